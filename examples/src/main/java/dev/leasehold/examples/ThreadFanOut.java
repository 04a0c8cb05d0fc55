package dev.leasehold.examples;

import dev.leasehold.allocator.Limit;
import dev.leasehold.allocator.ResourceConfig;
import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.QuotaLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The thread strategy: one process, one {@link LeaseholdClient}, one {@link QuotaLimiter}
 * shared by every thread of an {@link ExecutorService}. The limiter is thread-safe and its
 * {@code tryAcquire()} does no I/O, so sharing it costs nothing.
 *
 * <p>Run: {@code java -cp examples/target/leasehold-demo.jar dev.leasehold.examples.ThreadFanOut
 * [--zookeeper HOST:PORT]} (an allocator there must serve {@code api} at 20/1s).
 */
public final class ThreadFanOut {
  private static final int THREADS = 8;
  private static final int TASKS = 60;

  private ThreadFanOut() {}

  public static void main(String[] args) throws Exception {
    ResourceConfig api = ResourceConfig.builder("api").limit(Limit.perSecond(20)).build();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (ExampleFleet fleet = ExampleFleet.fromArgs(args, List.of(api));
        LeaseholdClient client = fleet.client("thread-fan-out")) {
      QuotaLimiter limiter = client.limiter("api");
      long start = System.nanoTime();
      AtomicIntegerArray perSecond = new AtomicIntegerArray(60);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < TASKS; i++) {
        int task = i;
        results.add(pool.submit(() -> limiter.call(() -> {
          perSecond.incrementAndGet((int) ((System.nanoTime() - start) / 1_000_000_000L));
          return "task " + task + " on " + Thread.currentThread().getName();
        })));
      }
      for (Future<String> result : results) {
        result.get();
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      System.out.printf("%d tasks on %d threads through one limit of 20/1s took %.1f s%n",
          TASKS, THREADS, took.toMillis() / 1000.0);
      for (int s = 0; s <= took.getSeconds(); s++) {
        System.out.printf("  second %d: %d calls%n", s, perSecond.get(s));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}

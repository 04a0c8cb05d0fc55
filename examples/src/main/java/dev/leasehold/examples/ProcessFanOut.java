package dev.leasehold.examples;

import dev.leasehold.allocator.Limit;
import dev.leasehold.allocator.ResourceConfig;
import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.QuotaLimiter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The process strategy: several JVMs, each with its own {@link LeaseholdClient}, sharing one
 * limit. Three child processes take 30 permits each from {@code api} at 20/1s: 90 permits need
 * at least 3.5 s fleet-wide, where three local limiters of 20/1s would let them through in 1.5 s
 * and overrun the provider.
 *
 * <p>Run: {@code java -cp examples/target/leasehold-demo.jar dev.leasehold.examples.ProcessFanOut
 * [--zookeeper HOST:PORT]} (an allocator there must serve {@code api} at 20/1s).
 */
public final class ProcessFanOut {
  private static final int PROCESSES = 3;
  private static final int PERMITS_EACH = 30;

  private ProcessFanOut() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 3 && args[0].equals("--child")) {
      child(args[1], args[2]);
      return;
    }
    ResourceConfig api = ResourceConfig.builder("api").limit(Limit.perSecond(20)).build();
    Path logs = Files.createTempDirectory("leasehold-fan-out-");
    try (ExampleFleet fleet = ExampleFleet.fromArgs(args, List.of(api))) {
      CountDownLatch done = new CountDownLatch(PROCESSES);
      List<ChildProcess> children = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 1; i <= PROCESSES; i++) {
        String name = "process-" + i;
        children.add(ChildProcess.start(name, ProcessFanOut.class,
            List.of("--child", fleet.zookeeper(), fleet.namespace()), logs, line -> {
              System.out.println(name + ": " + line);
              if (line.startsWith("took")) {
                done.countDown();
              }
            }));
      }
      done.await();
      System.out.printf("%d processes x %d permits through one limit of 20/1s: %.1f s%n",
          PROCESSES, PERMITS_EACH, (System.nanoTime() - start) / 1e9);
      children.forEach(c -> c.stop(5000));
    }
  }

  /** One child: takes its permits, says how long that took, and exits. */
  private static void child(String zookeeper, String namespace) throws InterruptedException {
    try (LeaseholdClient client = LeaseholdClient.builder().zookeeper(zookeeper)
        .namespace(namespace).build()) {
      QuotaLimiter api = client.limiter("api");
      long start = System.nanoTime();
      for (int i = 0; i < PERMITS_EACH; i++) {
        api.acquire();
      }
      System.out.printf("took %d permits in %.1f s%n", PERMITS_EACH, (System.nanoTime() - start) / 1e9);
    }
  }
}

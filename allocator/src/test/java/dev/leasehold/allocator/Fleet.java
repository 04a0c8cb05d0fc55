package dev.leasehold.allocator;

import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.QuotaLimiter;
import dev.leasehold.client.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients whose worker threads acquire as fast as they are allowed (or at a set pace) and tell
 * the referee of every permit.
 */
final class Fleet implements AutoCloseable {
  private final String zookeeper;
  private final String namespace;
  private final String resource;
  private final Referee referee;
  private final List<LeaseholdClient> clients = new ArrayList<>();
  private final List<Thread> workers = new ArrayList<>();
  private final Map<String, AtomicLong> acquired = new LinkedHashMap<>();
  private volatile boolean running = true;
  private CountDownLatch stopped;
  private Ticker ticker = Ticker.system();

  Fleet(String zookeeper, String namespace, String resource, Referee referee) {
    this.zookeeper = zookeeper;
    this.namespace = namespace;
    this.resource = resource;
    this.referee = referee;
  }

  /** Equal clients that hammer: {@code clients} × {@code threadsEach}. */
  Fleet(String zookeeper, String namespace, String resource, int clientCount, int threadsEach,
      Referee referee) {
    this(zookeeper, namespace, resource, referee);
    for (int c = 0; c < clientCount; c++) {
      add("worker-" + c, threadsEach, 0);
    }
  }

  /** The clock of the clients added from now on; for the clock-drift tests. */
  Fleet ticker(Ticker ticker) {
    this.ticker = ticker;
    return this;
  }

  /**
   * Adds a client; each of its threads acquires as fast as allowed when {@code perSecond} is 0,
   * else paces the client to about {@code perSecond} attempts that wait for a permit.
   */
  Fleet add(String clientId, int threads, double perSecond) {
    return add(clientId, threads, perSecond, true);
  }

  /**
   * As {@link #add(String, int, double)}; attempts that do not {@code wait} take a permit only
   * if one is there, so the client's demand is exactly its pace.
   */
  Fleet add(String clientId, int threads, double perSecond, boolean wait) {
    LeaseholdClient client = LeaseholdClient.builder().zookeeper(zookeeper)
        .namespace(namespace).clientId(clientId).ticker(ticker).build();
    clients.add(client);
    QuotaLimiter limiter = client.limiter(resource);
    AtomicLong count = new AtomicLong();
    acquired.put(clientId, count);
    long pauseNanos = perSecond == 0 ? 0 : (long) (threads * 1e9 / perSecond);
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> work(limiter, count, pauseNanos, wait), clientId + "-" + t);
      worker.setDaemon(true);
      workers.add(worker);
    }
    return this;
  }

  Fleet start() {
    stopped = new CountDownLatch(workers.size());
    workers.forEach(Thread::start);
    return this;
  }

  /** Permits each client acquired so far, by client id. */
  Map<String, Long> acquired() {
    Map<String, Long> snapshot = new LinkedHashMap<>();
    acquired.forEach((id, n) -> snapshot.put(id, n.get()));
    return snapshot;
  }

  private void work(QuotaLimiter limiter, AtomicLong count, long pauseNanos, boolean wait) {
    try {
      long next = System.nanoTime();
      while (running) {
        if (pauseNanos > 0) {
          next += pauseNanos;
          long sleep = next - System.nanoTime();
          if (sleep > 0) {
            TimeUnit.NANOSECONDS.sleep(sleep);
          }
        }
        if (wait ? limiter.tryAcquire(1, Duration.ofMillis(200)) : limiter.tryAcquire()) {
          referee.admit();
          count.incrementAndGet();
        }
      }
    } catch (InterruptedException | IllegalStateException e) {
      // Stopping.
    } finally {
      stopped.countDown();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    if (stopped != null) {
      stopped.await();
    }
    for (LeaseholdClient client : clients) {
      client.close();
    }
  }
}

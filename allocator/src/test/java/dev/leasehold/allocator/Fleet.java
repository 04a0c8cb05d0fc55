package dev.leasehold.allocator;

import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.QuotaLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Clients with worker threads that acquire as fast as they are allowed and tell the referee. */
final class Fleet implements AutoCloseable {
  private final List<LeaseholdClient> clients = new ArrayList<>();
  private final List<Thread> workers = new ArrayList<>();
  private final Referee referee;
  private volatile boolean running = true;
  private final CountDownLatch stopped;

  Fleet(String zookeeper, String namespace, String resource, int clientCount, int threadsEach,
      Referee referee) {
    this.referee = referee;
    this.stopped = new CountDownLatch(clientCount * threadsEach);
    for (int c = 0; c < clientCount; c++) {
      LeaseholdClient client = LeaseholdClient.builder().zookeeper(zookeeper)
          .namespace(namespace).clientId("worker-" + c).build();
      clients.add(client);
      QuotaLimiter limiter = client.limiter(resource);
      for (int t = 0; t < threadsEach; t++) {
        Thread worker = new Thread(() -> work(limiter), "worker-" + c + "-" + t);
        worker.setDaemon(true);
        workers.add(worker);
      }
    }
  }

  void start() {
    workers.forEach(Thread::start);
  }

  private void work(QuotaLimiter limiter) {
    try {
      while (running) {
        if (limiter.tryAcquire(1, Duration.ofMillis(200))) {
          referee.admit();
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
    stopped.await();
    for (LeaseholdClient client : clients) {
      client.close();
    }
  }
}

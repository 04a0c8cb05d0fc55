package dev.leasehold.allocator;

import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.QuotaLimiter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A worker process for the multi-process tests: one {@link LeaseholdClient} whose threads call
 * the referee ({@link RefereeServer}) through a {@link QuotaLimiter}, as a worker calls its
 * provider. Every admitted permit is one {@code POST /call}, so the referee records its arrival
 * on the referee's clock, not this process's.
 *
 * <pre>
 * WorkerMain ZOOKEEPER NAMESPACE RESOURCE REFEREE_URL CLIENT_ID hammer THREADS SECONDS
 *     acquire as fast as allowed for SECONDS, close the client (returning its leases), exit 0
 * WorkerMain ZOOKEEPER NAMESPACE RESOURCE REFEREE_URL CLIENT_ID hold PERMITS PER_SECOND
 *     acquire PERMITS at PER_SECOND, print "HOLDING", then sleep holding the leases: the test
 *     kills this process with SIGKILL
 * </pre>
 *
 * Prints {@code READY} once the allocator has answered, and marks {@code CLIENT_ID-requesting}
 * at the referee before the client exists: a point on the referee's clock before any lease of
 * this process was asked for.
 */
final class WorkerMain {
  private WorkerMain() {}

  public static void main(String[] args) throws Exception {
    String zookeeper = args[0];
    String namespace = args[1];
    String resource = args[2];
    String referee = args[3];
    String clientId = args[4];
    String mode = args[5];
    post(referee + "/mark?name=" + clientId + "-requesting");
    LeaseholdClient client = LeaseholdClient.builder().zookeeper(zookeeper).namespace(namespace)
        .clientId(clientId).connectionTimeout(Duration.ofSeconds(30)).build();
    QuotaLimiter limiter = client.limiter(resource);
    System.out.println("READY");
    switch (mode) {
      case "hammer" -> hammer(client, limiter, referee, Integer.parseInt(args[6]),
          Long.parseLong(args[7]));
      case "hold" -> hold(limiter, referee, Integer.parseInt(args[6]), Double.parseDouble(args[7]));
      default -> throw new IllegalArgumentException("unknown mode " + mode);
    }
  }

  private static void hammer(LeaseholdClient client, QuotaLimiter limiter, String referee,
      int threads, long seconds) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Thread> workers = new ArrayList<>();
    long[] admitted = new long[threads];
    for (int t = 0; t < threads; t++) {
      int me = t;
      Thread worker = new Thread(() -> {
        try {
          while (System.nanoTime() - end < 0) {
            if (limiter.tryAcquire(1, Duration.ofMillis(200))) {
              post(referee + "/call?at=" + System.nanoTime());
              admitted[me]++;
            }
          }
        } catch (InterruptedException | IOException e) {
          throw new IllegalStateException(e);
        }
      }, "worker-" + t);
      worker.start();
      workers.add(worker);
    }
    long total = 0;
    for (int t = 0; t < threads; t++) {
      workers.get(t).join();
      total += admitted[t];
    }
    client.close();
    System.out.println("DONE " + total);
    System.exit(0);
  }

  private static void hold(QuotaLimiter limiter, String referee, int permits, double perSecond)
      throws Exception {
    long pause = (long) (1e9 / perSecond);
    long next = System.nanoTime();
    for (int i = 0; i < permits; i++) {
      limiter.acquire();
      post(referee + "/call?at=" + System.nanoTime());
      next += pause;
      TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
    }
    System.out.println("HOLDING " + permits);
    Thread.sleep(Long.MAX_VALUE);
  }

  /** One POST; the JDK keeps the connection alive between calls, as a real HTTP client would. */
  private static void post(String url) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) new URL(url).openConnection();
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    connection.setFixedLengthStreamingMode(0);
    try (OutputStream out = connection.getOutputStream()) {
      // An empty body.
    }
    int status = connection.getResponseCode();
    try (InputStream in = connection.getInputStream()) {
      in.readAllBytes();
    }
    if (status != 200) {
      throw new IOException("referee answered " + status + " to " + url);
    }
  }
}

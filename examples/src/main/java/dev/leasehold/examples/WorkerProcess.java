package dev.leasehold.examples;

import dev.leasehold.allocator.Limit;
import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.LimiterStats;
import dev.leasehold.client.QuotaLimiter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One demo worker as its own JVM: it calls the referee in a loop, acquiring a permit before
 * every call. Arguments: {@code MODE REFEREE_URL RESOURCE LIMIT LOCAL_PERMITS DEMAND ZOOKEEPER
 * NAMESPACE CLIENT_ID}, where DEMAND is the calls it wants per window (0: as many as allowed).
 *
 * <p>It talks to the parent over stdio: prints {@code READY} once its limiter works, starts on
 * {@code GO}, stops on {@code STOP} or end of input, and prints
 * {@code STAT calls rejected waits waitedMillis roundTrips leases} a few times a second and at the end,
 * then {@code DONE}.
 */
final class WorkerProcess {
  private static final long REPORT_MILLIS = 200;

  private final QuotaLimiter limiter;
  private final URL referee;
  private final long pauseNanos;
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong waits = new AtomicLong();
  private final AtomicLong waitedNanos = new AtomicLong();
  private final boolean leased;
  private volatile boolean running = true;

  private WorkerProcess(QuotaLimiter limiter, URL referee, long pauseNanos, boolean leased) {
    this.limiter = limiter;
    this.referee = referee;
    this.pauseNanos = pauseNanos;
    this.leased = leased;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 9) {
      System.err.println("usage: WorkerProcess MODE REFEREE_URL RESOURCE LIMIT LOCAL_PERMITS"
          + " DEMAND ZOOKEEPER NAMESPACE CLIENT_ID");
      System.exit(2);
    }
    DemoOptions.Mode mode = DemoOptions.Mode.valueOf(args[0]);
    Limit limit = Limit.parse(args[3]);
    long demand = Long.parseLong(args[5]);
    long pause = demand == 0 ? 0 : limit.window().toNanos() / demand;
    LeaseholdClient client = null;
    QuotaLimiter limiter;
    if (mode == DemoOptions.Mode.LEASEHOLD) {
      client = LeaseholdClient.builder().zookeeper(args[6]).namespace(args[7]).clientId(args[8])
          // Startup on two busy cores can be slow: give the allocators time to elect.
          .connectionTimeout(Duration.ofSeconds(30))
          .build();
      limiter = client.limiter(args[2]);
    } else {
      limiter = new LocalWindowLimiter(args[2], Long.parseLong(args[4]), limit.window());
    }
    WorkerProcess worker = new WorkerProcess(limiter, new URL(args[1]), pause, client != null);
    System.out.println("READY");
    worker.run(System.in);
    if (client != null) {
      client.close();
    }
    System.exit(0);
  }

  private void run(InputStream commands) throws InterruptedException {
    CountDownLatch go = new CountDownLatch(1);
    Thread loop = Thread.currentThread();
    Thread control = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(commands, StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null && !line.equals("STOP");
            line = in.readLine()) {
          if (line.equals("GO")) {
            go.countDown();
          }
        }
      } catch (IOException e) {
        // Same as STOP.
      }
      running = false;
      go.countDown();
      loop.interrupt();
    }, "control");
    control.setDaemon(true);
    control.start();
    go.await();
    Thread reporter = new Thread(this::report, "reporter");
    reporter.setDaemon(true);
    reporter.start();
    try {
      callLoop();
    } catch (InterruptedException e) {
      // Stopped while waiting for a permit.
    }
    reporter.interrupt();
    reporter.join();
    printStats();
    System.out.println("DONE");
  }

  private void callLoop() throws InterruptedException {
    long next = System.nanoTime();
    while (running) {
      if (pauseNanos > 0) {
        // A steady, modest demand: one call per pause, without catching up on missed ones.
        long now = System.nanoTime();
        if (next - now > 0) {
          Thread.sleep((next - now) / 1_000_000, (int) ((next - now) % 1_000_000));
        }
        next = Math.max(next + pauseNanos, System.nanoTime());
      }
      long start = System.nanoTime();
      if (!limiter.tryAcquire()) {
        limiter.acquire();
        waits.incrementAndGet();
        waitedNanos.addAndGet(System.nanoTime() - start);
      }
      call();
    }
  }

  /** One GET to the referee, over a kept-alive connection. */
  private void call() {
    try {
      HttpURLConnection connection = (HttpURLConnection) referee.openConnection(Proxy.NO_PROXY);
      connection.setConnectTimeout(2000);
      connection.setReadTimeout(2000);
      int status = connection.getResponseCode();
      try (InputStream body = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
        if (body != null) {
          body.readAllBytes();
        }
      }
      calls.incrementAndGet();
      if (status == 429) {
        rejected.incrementAndGet();
      }
    } catch (IOException e) {
      // The referee is shutting down; the run is over.
      running = false;
    }
  }

  private void report() {
    while (!Thread.currentThread().isInterrupted()) {
      printStats();
      try {
        Thread.sleep(REPORT_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void printStats() {
    // Local limiters make no round trips: -1 says "not applicable".
    LimiterStats stats = leased ? limiter.stats() : null;
    System.out.println("STAT " + calls.get() + " " + rejected.get() + " " + waits.get() + " "
        + waitedNanos.get() / 1_000_000 + " " + (stats == null ? -1 : stats.roundTrips()) + " "
        + (stats == null ? -1 : stats.leases()));
  }
}

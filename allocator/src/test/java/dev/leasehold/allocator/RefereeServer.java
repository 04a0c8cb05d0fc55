package dev.leasehold.allocator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP front for a {@link Referee}, on loopback, for clients in other processes: it stands in
 * for the provider as the provider would see them. {@code POST /call} is one rate-limited call;
 * its arrival is recorded on this process's clock when the handler starts, before anything
 * else. A caller may add {@code ?at=NANOS}, its {@code System.nanoTime()} at the acquire, for
 * the delay diagnostics ({@link #checkedWindow}, {@link #acquired()}). {@code POST /mark?name=N} records when event N happened (the first time), on the same
 * clock, so a test can place a child process's milestones among the arrivals.
 *
 * <p>Handlers run on a pool of threads, so one slow exchange does not delay the next arrival's
 * timestamp.
 */
final class RefereeServer implements AutoCloseable {
  /** ResourceLedger's allowance for the time from an acquire to the call's arrival. */
  static final long ARRIVAL_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final Referee referee;
  private final HttpServer server;
  private final ExecutorService handlers = Executors.newFixedThreadPool(8, r -> {
    Thread t = new Thread(r, "referee-http");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Long> marks = new ConcurrentHashMap<>();
  private final AtomicLong maxDelay = new AtomicLong();
  private final AtomicLong minDelay = new AtomicLong(Long.MAX_VALUE);
  private final Referee acquired = new Referee(200_000);
  private final AtomicInteger lateCalls = new AtomicInteger();

  RefereeServer(Referee referee) throws IOException {
    this.referee = referee;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext("/call", exchange -> {
      referee.admit();
      noteDelay(exchange.getRequestURI().getQuery());
      reply(exchange, 200);
    });
    server.createContext("/mark", exchange -> {
      long now = System.nanoTime();
      String query = exchange.getRequestURI().getQuery();
      if (query == null || !query.startsWith("name=")) {
        reply(exchange, 400);
        return;
      }
      marks.putIfAbsent(query.substring("name=".length()), now);
      reply(exchange, 200);
    });
    server.setExecutor(handlers);
    server.start();
  }

  /**
   * Notes how long a call took from its acquire to here, when the caller sent its acquire time
   * ({@code at=NANOS}). A diagnostic only, never part of the check: it relies on
   * {@link System#nanoTime()} being one clock for all processes of a Linux host
   * ({@code CLOCK_MONOTONIC}), which nothing in Leasehold may assume.
   */
  private void noteDelay(String query) {
    if (query != null && query.startsWith("at=")) {
      long at = Long.parseLong(query.substring(3));
      acquired.admitAt(at);
      long delay = System.nanoTime() - at;
      maxDelay.accumulateAndGet(delay, Math::max);
      minDelay.accumulateAndGet(delay, Math::min);
      if (delay > ARRIVAL_MARGIN_NANOS) {
        lateCalls.incrementAndGet();
      }
    }
  }

  /**
   * Whether callers sent acquire times and they are on this process's clock: a negative delay
   * would mean they are not.
   */
  boolean delaysKnown() {
    long min = minDelay.get();
    return min != Long.MAX_VALUE && min >= 0;
  }

  /** The longest time from an acquire to its call's arrival here; see {@link #noteDelay}. */
  long maxDelayNanos() {
    return maxDelay.get();
  }

  /** The calls placed at their acquire times rather than their arrivals; see {@link #noteDelay}. */
  Referee acquired() {
    return acquired;
  }

  /**
   * The window to check arrivals in, so that the check asks no more than the ledger promises:
   * the ledger adds {@link #ARRIVAL_MARGIN_NANOS} to every lease's end to cover the time from an
   * acquire to its call's arrival at the provider. A call that took {@code d} longer than that can
   * land in the window of permits granted {@code d} later, so the promise at the provider is
   * "at most the limit in any window of {@code W - d}", where {@code d} is the worst excess
   * delay seen. With calls that all arrive within the margin, it is the full window.
   */
  long checkedWindow(long windowNanos) {
    if (!delaysKnown()) {
      return windowNanos;
    }
    return windowNanos - Math.max(0, maxDelay.get() - ARRIVAL_MARGIN_NANOS);
  }

  /** Calls that arrived more than 10 ms (the ledger's arrival margin) after their acquire. */
  int lateCalls() {
    return lateCalls.get();
  }

  private static void reply(HttpExchange exchange, int status) throws IOException {
    try (InputStream body = exchange.getRequestBody()) {
      body.readAllBytes();
    }
    exchange.sendResponseHeaders(status, -1);
    exchange.close();
  }

  /** The base URL, {@code http://127.0.0.1:PORT}. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  Referee referee() {
    return referee;
  }

  /** When the mark {@code name} first arrived, on {@link System#nanoTime()}; null if never. */
  Long mark(String name) {
    return marks.get(name);
  }

  @Override
  public void close() {
    server.stop(0);
    handlers.shutdownNow();
  }
}

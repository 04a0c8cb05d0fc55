package dev.leasehold.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An HTTP server on 127.0.0.1 that stands in for the rate-limited provider: {@code GET /call}
 * answers 200, or 429 when the request would exceed the limit (see {@link SlidingWindowReferee}).
 * Arrival times are taken on this one clock, as the provider would.
 */
final class RefereeServer implements AutoCloseable {
  private final SlidingWindowReferee referee;
  private final HttpServer server;
  private final ExecutorService executor;

  private RefereeServer(SlidingWindowReferee referee, HttpServer server, ExecutorService executor) {
    this.referee = referee;
    this.server = server;
    this.executor = executor;
  }

  /** Starts serving on a free loopback port. */
  static RefereeServer start(SlidingWindowReferee referee) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    // A few threads are plenty for loopback requests that do no work; keep the demo light.
    ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "referee");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    RefereeServer referee1 = new RefereeServer(referee, server, executor);
    server.createContext("/call", referee1::handle);
    server.start();
    return referee1;
  }

  private void handle(HttpExchange exchange) throws IOException {
    long now = System.nanoTime();
    try (exchange; InputStream body = exchange.getRequestBody()) {
      body.readAllBytes();
      int status = referee.arrive(now) ? 200 : 429;
      exchange.sendResponseHeaders(status, -1);
    }
  }

  /** {@code http://127.0.0.1:PORT/call}. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/call";
  }

  SlidingWindowReferee referee() {
    return referee;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

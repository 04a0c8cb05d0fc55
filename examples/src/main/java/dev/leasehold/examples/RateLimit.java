package dev.leasehold.examples;

import static java.util.Objects.requireNonNull;

import dev.leasehold.client.QuotaLimiter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * TEA's {@code ratelimit.wrap} for a {@link QuotaLimiter}: a call that first waits for a permit,
 * up to a timeout, and fails with {@link RateLimitTimeoutException} when it cannot get one in
 * time, so a caller can tell "rate limited" from any failure of the call itself.
 *
 * <pre>{@code
 * Callable<String> ask = RateLimit.wrap(openai, Duration.ofSeconds(30), () -> llm.complete(prompt));
 * String answer = ask.call(); // waits up to 30 s for a permit, then calls
 * }</pre>
 */
public final class RateLimit {
  private RateLimit() {}

  /**
   * Returns a callable that acquires one permit of {@code limiter}, waiting up to
   * {@code timeout}, then runs {@code action}.
   *
   * <p>The wrapped call throws {@link RateLimitTimeoutException} when the timeout elapses, or at
   * once when the allocator has said that no permit can be granted before the timeout ends: it
   * fails fast rather than sleeping through a wait that cannot succeed.
   */
  public static <T> Callable<T> wrap(QuotaLimiter limiter, Duration timeout, Callable<T> action) {
    return wrap(limiter, timeout, action, waited -> {});
  }

  /**
   * As {@link #wrap(QuotaLimiter, Duration, Callable)}, and tells {@code waited} how long each
   * call waited for its permit before running (TEA reports this time to its metrics).
   */
  public static <T> Callable<T> wrap(QuotaLimiter limiter, Duration timeout, Callable<T> action,
      Consumer<Duration> waited) {
    requireNonNull(limiter, "limiter");
    requireNonNull(action, "action");
    requireNonNull(waited, "waited");
    if (requireNonNull(timeout, "timeout").isNegative()) {
      throw new IllegalArgumentException("timeout must be >= 0, got " + timeout);
    }
    return () -> {
      long start = System.nanoTime();
      boolean acquired = limiter.tryAcquire(1, timeout);
      Duration wait = Duration.ofNanos(System.nanoTime() - start);
      if (!acquired) {
        throw new RateLimitTimeoutException(limiter.resource(), timeout, wait,
            limiter.estimatedWait(1));
      }
      waited.accept(wait);
      return action.call();
    };
  }

  /**
   * No permit within the timeout. {@link #failedFast()} tells whether the limiter gave up before
   * the timeout because the allocator said no permit could come in time.
   */
  public static final class RateLimitTimeoutException extends java.util.concurrent.TimeoutException {
    private static final long serialVersionUID = 1L;

    private final String resource;
    private final Duration timeout;
    private final Duration waited;

    RateLimitTimeoutException(String resource, Duration timeout, Duration waited,
        Duration needed) {
      super(message(resource, timeout, waited, needed));
      this.resource = resource;
      this.timeout = timeout;
      this.waited = waited;
    }

    private static String message(String resource, Duration timeout, Duration waited,
        Duration needed) {
      if (waited.compareTo(timeout) < 0) {
        return String.format(Locale.ROOT, "rate limit '%s': a permit needs a wait of about %s,"
            + " longer than the %s timeout, so the call failed fast after %s; raise the timeout"
            + " or slow down", resource, format(needed.plus(waited)), format(timeout),
            format(waited));
      }
      return String.format(Locale.ROOT, "rate limit '%s': no permit within the %s timeout"
          + " (waited %s)", resource, format(timeout), format(waited));
    }

    private static String format(Duration d) {
      return d.toMillis() >= 1000 ? String.format(Locale.ROOT, "%.2f s", d.toMillis() / 1000.0)
          : d.toMillis() + " ms";
    }

    public String resource() {
      return resource;
    }

    public Duration timeout() {
      return timeout;
    }

    /** How long the call waited before it gave up. */
    public Duration waited() {
      return waited;
    }

    /** Whether it gave up before the timeout, because no permit could come in time. */
    public boolean failedFast() {
      return waited.compareTo(timeout) < 0;
    }
  }
}

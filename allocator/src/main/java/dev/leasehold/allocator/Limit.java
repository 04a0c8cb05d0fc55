package dev.leasehold.allocator;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * One rate limit of a resource: at most {@code permits} acquired in every sliding window of
 * length {@code window}. Immutable and thread-safe.
 *
 * @param permits the most permits the fleet may acquire in any window, at least 1
 * @param window the window length, at least one millisecond
 */
public record Limit(long permits, Duration window) {

  public Limit {
    requireNonNull(window, "window");
    checkArgument(permits > 0, "limit permits must be > 0, got %s", permits);
    checkArgument(window.toMillis() >= 1, "limit window must be at least 1ms, got %s", window);
  }

  /** {@code permits} per minute, as TEA's {@code rpm}. */
  public static Limit perMinute(long permits) {
    return new Limit(permits, Duration.ofMinutes(1));
  }

  /** {@code permits} per second, as TEA's {@code rps}. */
  public static Limit perSecond(long permits) {
    return new Limit(permits, Duration.ofSeconds(1));
  }

  /**
   * Parses {@code PERMITS/WINDOW}, e.g. {@code 60/1m}, {@code 200/1s} or {@code 5/500ms}.
   *
   * @throws IllegalArgumentException with a message that shows the expected form
   */
  public static Limit parse(String text) {
    requireNonNull(text, "text");
    int slash = text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1) {
      throw new IllegalArgumentException(
          "limit '" + text + "' is not of the form PERMITS/WINDOW, e.g. 60/1m or 200/1s");
    }
    long permits;
    try {
      permits = Long.parseLong(text.substring(0, slash).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "limit '" + text + "': permits must be a whole number, e.g. 60/1m", e);
    }
    return new Limit(permits, Durations.parse(text.substring(slash + 1).trim()));
  }

  long windowNanos() {
    return window.toNanos();
  }

  @Override
  public String toString() {
    return permits + "/" + Durations.format(window);
  }
}

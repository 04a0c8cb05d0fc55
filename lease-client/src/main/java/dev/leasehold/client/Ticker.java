package dev.leasehold.client;

/**
 * A source of monotonic time in nanoseconds, as {@link System#nanoTime()}.
 *
 * <p>Leasehold never compares clocks across processes: every deadline is a duration measured on
 * the local ticker. Tests and the deterministic simulator inject their own ticker to drive time
 * (and clock-rate drift) by hand.
 *
 * <p>Implementations must be thread-safe and their readings must never go backwards.
 */
@FunctionalInterface
public interface Ticker {

  /** Returns the current reading in nanoseconds; only differences between readings mean anything. */
  long read();

  /** Returns the ticker backed by {@link System#nanoTime()}. */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }
}

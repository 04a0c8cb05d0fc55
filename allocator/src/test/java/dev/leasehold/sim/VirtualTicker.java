package dev.leasehold.sim;

import dev.leasehold.client.Ticker;

/**
 * One simulated process's monotonic clock. It runs at a fixed {@code rate} against true
 * simulated time (1.001 runs 0.1% fast) from an arbitrary reading, so no two processes' readings
 * are comparable — exactly the property the protocol must not rely on.
 */
final class VirtualTicker implements Ticker {
  private final EventLoop loop;
  private final double rate;
  private final long origin;
  private final long base;

  VirtualTicker(EventLoop loop, double rate, long base) {
    this.loop = loop;
    this.rate = rate;
    this.origin = loop.now();
    this.base = base;
  }

  @Override
  public long read() {
    return base + (long) ((loop.now() - origin) * rate);
  }

  double rate() {
    return rate;
  }

  /** True nanoseconds this clock takes to advance by {@code localNanos}. */
  long toTrue(long localNanos) {
    return localNanos <= 0 ? 0 : (long) Math.ceil(localNanos / rate);
  }

  /** The first true instant at which this clock reads at least {@code reading}. */
  long trueTimeOf(long reading) {
    return origin + toTrue(reading - base);
  }
}

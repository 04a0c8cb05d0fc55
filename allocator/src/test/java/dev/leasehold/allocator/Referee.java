package dev.leasehold.allocator;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for the rate-limited provider: records the arrival of every admitted request on one
 * clock and finds the busiest sliding window, as a provider enforcing the limit would.
 */
final class Referee {
  private final long[] arrivals;
  private final AtomicInteger count = new AtomicInteger();

  Referee(int capacity) {
    this.arrivals = new long[capacity];
  }

  /** Records one admitted request now. */
  void admit() {
    int i = count.getAndIncrement();
    if (i < arrivals.length) {
      arrivals[i] = System.nanoTime();
    }
  }

  int admitted() {
    return Math.min(count.get(), arrivals.length);
  }

  /** The most arrivals in any closed interval of length {@code windowNanos}. */
  int busiestWindow(long windowNanos) {
    long[] sorted = sorted();
    int best = 0;
    int lo = 0;
    for (int hi = 0; hi < sorted.length; hi++) {
      while (sorted[hi] - sorted[lo] > windowNanos) {
        lo++;
      }
      best = Math.max(best, hi - lo + 1);
    }
    return best;
  }

  /** Arrivals in [from, to). */
  int admittedBetween(long from, long to) {
    int n = 0;
    for (long t : sorted()) {
      if (t >= from && t < to) {
        n++;
      }
    }
    return n;
  }

  /** The longest time without an arrival inside [from, to). */
  long longestGap(long from, long to) {
    long last = from;
    long gap = 0;
    for (long t : sorted()) {
      if (t >= from && t < to) {
        gap = Math.max(gap, t - last);
        last = t;
      }
    }
    return Math.max(gap, to - last);
  }

  private long[] sorted() {
    long[] copy = Arrays.copyOf(arrivals, admitted());
    Arrays.sort(copy);
    return copy;
  }
}

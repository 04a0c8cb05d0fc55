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
  private final Referee also;

  Referee(int capacity) {
    this(capacity, null);
  }

  /**
   * A referee that also records every arrival in {@code also}: a part of the fleet watched on
   * its own, inside the whole (e.g. the clients that outlive a killed one).
   */
  Referee(int capacity, Referee also) {
    this.arrivals = new long[capacity];
    this.also = also;
  }

  /** Records one admitted request now. */
  void admit() {
    admitAt(System.nanoTime());
  }

  /** Records one admitted request at {@code nanoTime}, a reading of {@link System#nanoTime()}. */
  void admitAt(long nanoTime) {
    int i = count.getAndIncrement();
    if (i < arrivals.length) {
      arrivals[i] = nanoTime;
    }
    if (also != null) {
      also.admitAt(nanoTime);
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

  /**
   * Arrivals that found more than {@code limit} arrivals (themselves included) in the closed
   * window of {@code windowNanos} ending at them: the requests a provider enforcing the limit
   * would have refused with a 429.
   */
  int overLimit(long windowNanos, int limit) {
    long[] sorted = sorted();
    int over = 0;
    int lo = 0;
    for (int hi = 0; hi < sorted.length; hi++) {
      while (sorted[hi] - sorted[lo] > windowNanos) {
        lo++;
      }
      if (hi - lo + 1 > limit) {
        over++;
      }
    }
    return over;
  }

  /**
   * The first arrival at or after {@code from} that ends a window of {@code windowNanos} holding
   * more than {@code count} arrivals, or {@link Long#MAX_VALUE} if there is none.
   */
  long firstWindowAbove(long windowNanos, int count, long from) {
    long[] sorted = sorted();
    int lo = 0;
    for (int hi = 0; hi < sorted.length; hi++) {
      while (sorted[hi] - sorted[lo] > windowNanos) {
        lo++;
      }
      if (sorted[hi] >= from && hi - lo + 1 > count) {
        return sorted[hi];
      }
    }
    return Long.MAX_VALUE;
  }

  /** The most arrivals in a closed window of {@code windowNanos} ending in [from, to). */
  int busiestWindowEndingBetween(long windowNanos, long from, long to) {
    long[] sorted = sorted();
    int best = 0;
    int lo = 0;
    for (int hi = 0; hi < sorted.length; hi++) {
      while (sorted[hi] - sorted[lo] > windowNanos) {
        lo++;
      }
      if (sorted[hi] >= from && sorted[hi] < to) {
        best = Math.max(best, hi - lo + 1);
      }
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

package dev.leasehold.examples;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The referee's bookkeeping, free of I/O and driven by the caller's clock: it admits a request
 * only if fewer than {@code permits} requests were admitted in the closed interval
 * {@code [now - window, now]}, as a provider that enforces "N per window" over a sliding window
 * would, and otherwise rejects it (an HTTP 429). Rejected requests do not use quota.
 *
 * <p>It also keeps what the demo reports: the requests that arrived in the last window, the
 * busiest window of arrivals (admitted or not, so an over-eager fleet shows up), and the admitted
 * arrival times for the utilization figure. Thread-safe.
 */
final class SlidingWindowReferee {
  private final long permits;
  private final long windowNanos;
  private final ArrayDeque<Long> admittedInWindow = new ArrayDeque<>();
  private final ArrayDeque<Long> arrivedInWindow = new ArrayDeque<>();
  private long[] admittedLog = new long[1024];
  private int admitted;
  private long rejected;
  private int busiestWindow;

  SlidingWindowReferee(long permits, long windowNanos) {
    if (permits <= 0 || windowNanos <= 0) {
      throw new IllegalArgumentException("permits and window must be > 0");
    }
    this.permits = permits;
    this.windowNanos = windowNanos;
  }

  /** Records a request that arrived at {@code now}; true if admitted, false for a 429. */
  synchronized boolean arrive(long now) {
    evict(arrivedInWindow, now);
    arrivedInWindow.addLast(now);
    busiestWindow = Math.max(busiestWindow, arrivedInWindow.size());
    evict(admittedInWindow, now);
    if (admittedInWindow.size() >= permits) {
      rejected++;
      return false;
    }
    admittedInWindow.addLast(now);
    if (admitted == admittedLog.length) {
      admittedLog = Arrays.copyOf(admittedLog, admitted * 2);
    }
    admittedLog[admitted++] = now;
    return true;
  }

  /** Drops the times older than the closed window that ends at {@code now}. */
  private void evict(ArrayDeque<Long> times, long now) {
    while (!times.isEmpty() && now - times.peekFirst() > windowNanos) {
      times.removeFirst();
    }
  }

  /** Requests, admitted or not, that arrived in {@code [now - window, now]}. */
  synchronized int arrivedInLastWindow(long now) {
    evict(arrivedInWindow, now);
    return arrivedInWindow.size();
  }

  /** The most requests, admitted or not, that arrived in any window so far. */
  synchronized int busiestWindow() {
    return busiestWindow;
  }

  synchronized long admitted() {
    return admitted;
  }

  /** Requests answered with 429. */
  synchronized long rejected() {
    return rejected;
  }

  /** Requests admitted with arrival times in {@code [from, to)}. */
  synchronized long admittedBetween(long from, long to) {
    long n = 0;
    for (int i = 0; i < admitted; i++) {
      long t = admittedLog[i];
      if (t - from >= 0 && t - to < 0) {
        n++;
      }
    }
    return n;
  }

  /** The longest time in {@code [from, to)} without an admitted request. */
  synchronized long longestGap(long from, long to) {
    long last = from;
    long gap = 0;
    for (int i = 0; i < admitted; i++) {
      long t = admittedLog[i];
      if (t - from >= 0 && t - to < 0) {
        gap = Math.max(gap, t - last);
        last = t;
      }
    }
    return Math.max(gap, to - last);
  }

  long permits() {
    return permits;
  }

  long windowNanos() {
    return windowNanos;
  }
}

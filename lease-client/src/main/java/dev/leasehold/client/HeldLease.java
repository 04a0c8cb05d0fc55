package dev.leasehold.client;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A lease this process holds: permits spendable until a deadline on the local clock.
 *
 * <p>Spending is a compare-and-set on {@code remaining}, followed by a clock read. The clock is
 * read after the decrement, so a thread descheduled between the two cannot spend after the
 * deadline: it sees the late time and puts the permits back. Returning the lease swaps
 * {@code remaining} for a large negative sentinel, so no spend succeeds afterwards and a late
 * put-back cannot make it positive again.
 */
final class HeldLease {
  private static final long CLOSED = Long.MIN_VALUE / 2;
  static final int BUCKETS = 4;
  private static final VarHandle REMAINING;

  static {
    try {
      REMAINING = MethodHandles.lookup().findVarHandle(HeldLease.class, "remaining", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final String id;
  final long permits;
  /** Ticker reading after which nothing may be spent: send time + ttl. */
  final long deadline;
  private volatile long remaining;
  /** What the fetcher saw last, to measure the spend rate; fetcher thread only. */
  long remainingSeen;
  /** When the fetcher last saw {@code remaining} change; fetcher thread only. */
  long lastChangeSeen;
  /**
   * When permits were seen spent: {count, ticker reading by which they were spent} pairs, at
   * most {@value #BUCKETS}; fetcher thread only.
   */
  private final long[][] spends = new long[BUCKETS][2];
  private int spendBuckets;
  /** Set when permits were put back; read by the fetcher when it returns the lease. */
  private volatile boolean raised;
  /** Refundable permits of this lease not yet settled: keep the lease until they are. */
  private final java.util.concurrent.atomic.AtomicInteger unsettled =
      new java.util.concurrent.atomic.AtomicInteger();

  HeldLease(String id, long permits, long deadline, long receivedAt) {
    this.id = id;
    this.permits = permits;
    this.deadline = deadline;
    this.remaining = permits;
    this.remainingSeen = permits;
    this.lastChangeSeen = receivedAt;
  }

  boolean trySpend(int n, Ticker ticker) {
    // Read before the compare-and-set: afterwards the other core may own the cache line again.
    long end = deadline;
    long r;
    do {
      r = remaining;
      if (r < n) {
        return false;
      }
    } while (!REMAINING.weakCompareAndSet(this, r, r - n));
    if (ticker.read() - end < 0) {
      return true;
    }
    putBack(n);
    return false;
  }

  /**
   * Puts permits back (a spend past the deadline, or a refund). The counter then no longer only
   * falls, so what the fetcher saw fall may include permits later put back and spent again:
   * such a lease is returned without spend buckets, all of it counted from its close.
   */
  private void putBack(int n) {
    raised = true;
    REMAINING.getAndAdd(this, (long) n);
  }

  /**
   * Gives back permits a caller acquired but did not use. After the lease was closed this does
   * nothing: its return already counted them as spent, which errs on the safe side.
   */
  void refund(int n) {
    putBack(n);
  }

  /** A refundable {@link Permit} of this lease was handed out. */
  void permitOut() {
    unsettled.incrementAndGet();
  }

  /** A refundable {@link Permit} of this lease was settled (refunded or not). */
  void permitSettled() {
    unsettled.decrementAndGet();
  }

  /** Whether a refundable permit may still put permits back: then it is worth keeping. */
  boolean awaitsRefund() {
    return unsettled.get() > 0;
  }

  long remaining() {
    return Math.max(0, remaining);
  }

  boolean expired(long now) {
    return now - deadline >= 0;
  }

  boolean canServe(int n, long now) {
    return remaining >= n && !expired(now);
  }

  /**
   * Notes that {@code count} permits were spent by {@code seenAt}. When the buckets are full
   * the two closest in time merge at the later time: coarser, never earlier than the truth.
   */
  void sawSpent(long count, long seenAt) {
    if (spendBuckets == BUCKETS) {
      int closest = 0;
      for (int i = 1; i < BUCKETS - 1; i++) {
        if (spends[i + 1][1] - spends[i][1] < spends[closest + 1][1] - spends[closest][1]) {
          closest = i;
        }
      }
      spends[closest + 1][0] += spends[closest][0];
      System.arraycopy(spends, closest + 1, spends, closest, BUCKETS - closest - 1);
      spends[BUCKETS - 1] = new long[2];
      spendBuckets--;
    }
    spends[spendBuckets][0] = count;
    spends[spendBuckets][1] = seenAt;
    spendBuckets++;
  }

  /**
   * The spend buckets seen so far, oldest first: {count, seenAt} pairs; none when permits were
   * ever put back (see {@link #putBack}).
   */
  long[][] spendBuckets() {
    if (raised) {
      return new long[0][];
    }
    long[][] out = new long[spendBuckets][];
    for (int i = 0; i < spendBuckets; i++) {
      out[i] = spends[i].clone();
    }
    return out;
  }

  /** Stops all spending and returns how many permits were spent. */
  long close() {
    long r = (long) REMAINING.getAndSet(this, CLOSED);
    return permits - Math.max(0, r);
  }
}

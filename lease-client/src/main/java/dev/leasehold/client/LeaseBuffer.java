package dev.leasehold.client;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The leases one process holds for one resource, and the demand it reports: the sans-I/O core
 * of the client. Workers spend through {@link #tryAcquire}; the fetcher installs leases,
 * collects returns and asks {@link #demand} what to request, all with times from the injected
 * {@link Ticker}.
 *
 * <p>Thread-safe. The spend path reads one volatile field and does one compare-and-set; only
 * when the current lease cannot serve does it take the lock to switch to another held lease.
 */
final class LeaseBuffer {
  /** Never hold more leases than this: one being spent, one prefetched, stragglers. */
  private static final int MAX_HELD = 4;
  private static final double RATE_SMOOTHING = 0.3;

  private final Ticker ticker;
  private volatile HeldLease current;
  private final List<HeldLease> held = new ArrayList<>();
  private final LongAdder misses = new LongAdder();
  private volatile int largestMiss;
  private volatile long maxAcquire = Long.MAX_VALUE;
  private volatile long retryNotBefore;
  private volatile boolean closed;

  // Fetcher-side demand estimate.
  private long lastDemandAt;
  private long missesSeen;
  private double ratePerSecond;
  private long lastTtlNanos = TimeUnit.SECONDS.toNanos(1);

  LeaseBuffer(Ticker ticker) {
    this.ticker = ticker;
    this.lastDemandAt = ticker.read();
  }

  // ---------------------------------------------------------------- spend path

  boolean tryAcquire(int permits) {
    HeldLease lease = current;
    if (lease != null && lease.trySpend(permits, ticker)) {
      return true;
    }
    return trySwitch(permits);
  }

  private boolean trySwitch(int permits) {
    synchronized (this) {
      long now = ticker.read();
      for (HeldLease h : held) {
        if (h != current && h.canServe(permits, now)) {
          current = h;
          if (h.trySpend(permits, ticker)) {
            return true;
          }
        }
      }
    }
    misses.increment();
    if (permits > largestMiss) {
      largestMiss = permits;
    }
    return false;
  }

  /** Whether a held lease could serve {@code permits} now. */
  boolean canServe(int permits) {
    long now = ticker.read();
    synchronized (this) {
      for (HeldLease h : held) {
        if (h.canServe(permits, now)) {
          return true;
        }
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- fetcher side

  /** A lease arrived; it is spendable until {@code deadline}, a ticker reading. */
  synchronized void install(HeldLease lease, long ttlNanos) {
    if (closed) {
      return;
    }
    held.add(lease);
    lastTtlNanos = ttlNanos;
    if (lease.permits >= largestMiss) {
      largestMiss = 0;
    }
    HeldLease cur = current;
    if (cur == null || !cur.canServe(1, ticker.read())) {
      current = lease;
    }
  }

  /**
   * Closes the leases that are spent out or past their deadline (all of them when
   * {@code all}), and adds their returns to {@code out}.
   */
  synchronized void collectReturns(long now, boolean all, List<Returned> out) {
    for (Iterator<HeldLease> it = held.iterator(); it.hasNext(); ) {
      HeldLease h = it.next();
      if (all || h.expired(now) || h.remaining() == 0) {
        long used = h.close();
        ratedSpend(h.remainingSeen - (h.permits - used));
        h.remainingSeen = 0;
        it.remove();
        out.add(new Returned(h.id, used));
        if (h == current) {
          current = null;
        }
      }
    }
    if (current == null && !held.isEmpty()) {
      current = held.get(0);
    }
  }

  /** A lease to hand back, and the permits of it that were spent. */
  record Returned(String leaseId, long used) {}

  private long spentSinceDemand;

  private void ratedSpend(long permits) {
    spentSinceDemand += Math.max(0, permits);
  }

  /**
   * What to ask for now: 0 when the held leases will last until the next lease could arrive,
   * else the permits to want (about one lease lifetime of the measured rate, and at least the
   * largest acquire that missed).
   *
   * @param leadNanos how long a request takes to bring a lease, with margin
   */
  synchronized long demand(long now, long leadNanos) {
    long usable = 0;
    for (HeldLease h : held) {
      ratedSpend(h.remainingSeen - h.remaining());
      h.remainingSeen = h.remaining();
      if (h.deadline - now > leadNanos) {
        usable += h.remaining();
      }
    }
    long newMisses = misses.sum() - missesSeen;
    missesSeen += newMisses;
    double elapsed = Math.max(1, now - lastDemandAt) / 1e9;
    if (elapsed >= 0.005 || newMisses > 0) {
      double sample = (spentSinceDemand + newMisses) / elapsed;
      ratePerSecond += RATE_SMOOTHING * (sample - ratePerSecond);
      spentSinceDemand = 0;
      lastDemandAt = now;
    }
    if (closed || held.size() >= MAX_HELD || now - retryNotBefore < 0) {
      return 0;
    }
    long pending = largestMiss;
    long leadNeed = (long) Math.ceil(ratePerSecond * leadNanos / 1e9);
    boolean starving = newMisses > 0 || pending > 0;
    if (!starving && (usable > leadNeed || ratePerSecond < 1e-3)) {
      return 0;
    }
    long perTtl = (long) Math.ceil(ratePerSecond * lastTtlNanos / 1e9);
    return Math.max(Math.max(1, pending), perTtl);
  }

  /** The largest acquire that missed since a big enough lease arrived: the request's minimum. */
  long minPermits() {
    return largestMiss;
  }

  /** The allocator said no lease can be granted before this ticker reading. */
  void retryNotBefore(long when) {
    retryNotBefore = when;
  }

  long retryNotBefore() {
    return retryNotBefore;
  }

  void maxAcquire(long permits) {
    maxAcquire = permits;
  }

  long maxAcquire() {
    return maxAcquire;
  }

  boolean hasLeases() {
    synchronized (this) {
      return !held.isEmpty();
    }
  }

  /** No more leases: the client is closing. */
  synchronized void close() {
    closed = true;
  }
}

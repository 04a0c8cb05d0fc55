package dev.leasehold.client;

import com.google.common.util.concurrent.RateLimiter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The leases one process holds for one resource, and the demand it reports: the sans-I/O core
 * of the client. Workers spend through {@link #tryAcquireLease}; the fetcher installs leases,
 * collects returns and asks {@link #demand} what to request, all with times from the injected
 * {@link Ticker}.
 *
 * <p>Thread-safe. The spend path reads one volatile field and does one compare-and-set; only
 * when the current lease cannot serve does it take the lock to switch to another held lease (or,
 * while the allocator is unreachable and a fallback is configured, to the local limiter).
 */
final class LeaseBuffer {
  /** Never hold more leases than this: one being spent, one prefetched, stragglers. */
  private static final int MAX_HELD = 4;
  private static final double RATE_SMOOTHING = 0.3;
  /** Marks a permit granted by the local fallback: nothing to refund it to. */
  static final HeldLease FALLBACK = new HeldLease("fallback", 0, 0, 0);

  private final Ticker ticker;
  private volatile HeldLease current;
  private final List<HeldLease> held = new ArrayList<>();
  private final LongAdder misses = new LongAdder();
  private volatile int largestMiss;
  private volatile long maxAcquire = Long.MAX_VALUE;
  private volatile long retryNotBefore;
  private volatile boolean closed;
  private volatile RateLimiter fallback;
  /** Permits per second of the configured local-share fallback; 0 means fail closed. */
  private volatile double fallbackRate;
  private final LongAdder fallbackAcquired = new LongAdder();

  // Fetcher side: the demand estimate and counters.
  private long lastDemandAt;
  private long missesSeen;
  private double ratePerSecond;
  private long lastTtlNanos = TimeUnit.SECONDS.toNanos(1);
  private long spentSinceDemand;
  private long missesSinceDemand;
  private volatile long spentTotal;
  private volatile long leasesReceived;
  private volatile long roundTrips;
  private long lastActivity;

  LeaseBuffer(Ticker ticker) {
    this.ticker = ticker;
    this.lastDemandAt = ticker.read();
    this.lastActivity = lastDemandAt;
  }

  // ---------------------------------------------------------------- spend path

  boolean tryAcquire(int permits) {
    return tryAcquireLease(permits, true) != null;
  }

  /** As {@link #tryAcquire}, returning the lease spent from ({@link #FALLBACK}) or null. */
  HeldLease tryAcquireLease(int permits) {
    return tryAcquireLease(permits, true);
  }

  /**
   * As {@link #tryAcquireLease(int)}; a {@code retry} of an acquire that already missed is not
   * counted as a miss again, so a waiting thread does not inflate the demand it reports.
   */
  HeldLease tryAcquireLease(int permits, boolean firstTry) {
    HeldLease lease = current;
    if (lease != null && lease.trySpend(permits, ticker)) {
      return lease;
    }
    return trySwitch(permits, firstTry);
  }

  private HeldLease trySwitch(int permits, boolean countMiss) {
    synchronized (this) {
      long now = ticker.read();
      for (HeldLease h : held) {
        if (h != current && h.canServe(permits, now)) {
          current = h;
          if (h.trySpend(permits, ticker)) {
            return h;
          }
        }
      }
    }
    RateLimiter local = fallback;
    if (local != null && local.tryAcquire(permits)) {
      fallbackAcquired.add(permits);
      return FALLBACK;
    }
    if (countMiss) {
      misses.increment();
    }
    if (permits > largestMiss) {
      largestMiss = permits;
    }
    return null;
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

  /** A lease arrived, spendable until its deadline (a ticker reading). */
  synchronized void install(HeldLease lease, long ttlNanos) {
    if (closed) {
      return;
    }
    held.add(lease);
    leasesReceived++;
    lastActivity = lease.lastChangeSeen;
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
   * Closes the leases that are spent out or past their deadline, or all of them when none was
   * spent from for half a lease lifetime or when {@code all}, and adds their returns to
   * {@code out}. Returning an
   * idle lease early lets its unused permits flow to other clients, and its spent ones age out
   * of the window from now rather than from its deadline.
   */
  synchronized void collectReturns(long now, boolean all, List<Returned> out) {
    observe(now);
    boolean idle = now - lastActivity >= lastTtlNanos / 2 && largestMiss == 0;
    for (Iterator<HeldLease> it = held.iterator(); it.hasNext(); ) {
      HeldLease h = it.next();
      // A lease a refund may still top up is kept (spent out or idle) until it expires.
      boolean keep = h.awaitsRefund();
      if (all || h.expired(now) || (!keep && (idle || h.remaining() == 0))) {
        long used = h.close();
        // Every spend that succeeded did its compare-and-set before the close: none later.
        long closedAt = ticker.read();
        long lastSpent = h.remainingSeen - (h.permits - used);
        record(lastSpent);
        if (lastSpent > 0) {
          h.sawSpent(lastSpent, closedAt);
        }
        it.remove();
        out.add(new Returned(h.id, used, closedAt, h.spendBuckets()));
        if (h == current) {
          current = null;
        }
      }
    }
    if (current == null && !held.isEmpty()) {
      current = held.get(0);
    }
  }

  /** Measures what was spent from each held lease since the last look. */
  private void observe(long now) {
    for (HeldLease h : held) {
      long r = h.remaining();
      if (r != h.remainingSeen) {
        record(h.remainingSeen - r);
        if (h.remainingSeen > r) {
          h.sawSpent(h.remainingSeen - r, now);
        }
        h.remainingSeen = r;
        h.lastChangeSeen = now;
        lastActivity = now;
      }
    }
  }

  private void record(long spent) {
    if (spent > 0) {
      spentSinceDemand += spent;
      spentTotal += spent;
    }
  }

  /**
   * A lease to hand back, the permits of it that were spent, when it was closed (a ticker
   * reading: no permit of it was spent after), and when its permits were seen spent
   * ({count, ticker reading} pairs, oldest first; refunds can make them add up to more than
   * {@code used}, which the fetcher trims).
   */
  record Returned(String leaseId, long used, long closedAt, long[][] spends) {}

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
      if (h.deadline - now > leadNanos) {
        usable += h.remaining();
      }
    }
    long newMisses = misses.sum() - missesSeen;
    missesSeen += newMisses;
    missesSinceDemand += newMisses;
    // Rate samples over at least 5 ms: shorter ones are noise, and a zero-length one infinite.
    double elapsed = (now - lastDemandAt) / 1e9;
    if (elapsed >= 0.005) {
      double sample = (spentSinceDemand + missesSinceDemand) / elapsed;
      ratePerSecond += RATE_SMOOTHING * (sample - ratePerSecond);
      spentSinceDemand = 0;
      missesSinceDemand = 0;
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

  /** A request carrying this resource was answered. */
  synchronized void roundTrip() {
    roundTrips++;
  }

  /** The allocator's fallback setting for this resource: a local rate, or 0 to fail closed. */
  void fallbackRate(double permitsPerSecond) {
    fallbackRate = permitsPerSecond;
  }

  /**
   * Starts limiting locally at the configured fallback rate while no allocator answers; returns
   * false if the resource fails closed or the fallback was already on.
   */
  boolean startFallback() {
    double rate = fallbackRate;
    if (fallback != null || rate <= 0 || closed) {
      return false;
    }
    fallback = RateLimiter.create(rate);
    return true;
  }

  /** Back to leases only; returns false if no fallback was on. */
  boolean stopFallback() {
    boolean was = fallback != null;
    fallback = null;
    return was;
  }

  boolean fallbackActive() {
    return fallback != null;
  }

  LimiterStats stats(String resource) {
    return new LimiterStats(resource, spentTotal + fallbackAcquired.sum(), misses.sum(),
        roundTrips, leasesReceived, fallbackActive());
  }

  /** No more leases: the client is closing. */
  synchronized void close() {
    closed = true;
    fallback = null;
  }
}

package dev.leasehold.client;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The fleet-wide limiter of one resource, as seen from one process. Permits are spent from
 * leases the client holds, so {@link #tryAcquire()} costs a compare-and-set and a clock read:
 * no lock, no allocation, no I/O. A background fetcher keeps leases coming while there is
 * demand and returns what was not spent.
 *
 * <p>However many processes and threads acquire from limiters of the same resource, the fleet
 * never acquires more than the resource's limit in any sliding window.
 *
 * <p>Obtained from {@link LeaseholdClient#limiter(String)}. Thread-safe: share one instance
 * between any number of threads.
 */
public interface QuotaLimiter {

  /** The resource's name. */
  String resource();

  /** Acquires one permit if the held leases have one; never blocks, never does I/O. */
  boolean tryAcquire();

  /**
   * Acquires {@code permits} at once if one held lease has them; never blocks, never does I/O.
   *
   * @throws IllegalArgumentException if {@code permits <= 0} or above the resource's tightest
   *     limit, which no lease could ever hold
   */
  boolean tryAcquire(int permits);

  /**
   * Acquires {@code permits}, waiting up to {@code timeout} for a lease. Returns false at once
   * when the allocator has said that no lease can be granted before the timeout ends.
   *
   * @throws IllegalArgumentException if {@code permits <= 0} or above the tightest limit
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if the client was closed
   */
  boolean tryAcquire(int permits, Duration timeout) throws InterruptedException;

  /** Acquires one permit, waiting as long as it takes. */
  void acquire() throws InterruptedException;

  /**
   * Acquires {@code permits}, waiting as long as it takes.
   *
   * @throws IllegalArgumentException if {@code permits <= 0} or above the tightest limit
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if the client was closed
   */
  void acquire(int permits) throws InterruptedException;

  /**
   * Acquires {@code permits} whose unused part can be refunded after the call (see
   * {@link Permit}), waiting as long as it takes: for budgets such as tokens, known only after
   * the call. Limiters other than Leasehold's accept refunds and ignore them.
   *
   * @throws IllegalArgumentException if {@code permits <= 0} or above the tightest limit
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if the client was closed
   */
  default Permit acquirePermits(int permits) throws InterruptedException {
    acquire(permits);
    return new Permit(permits, null);
  }

  /**
   * As {@link #acquirePermits}, waiting at most {@code timeout}; empty when the permits could not
   * be acquired in time (and at once when the allocator said they cannot be).
   */
  default Optional<Permit> tryAcquirePermits(int permits, Duration timeout)
      throws InterruptedException {
    return tryAcquire(permits, timeout) ? Optional.of(new Permit(permits, null)) : Optional.empty();
  }

  /**
   * The least wait before {@code permits} can be acquired, as far as this process knows: zero
   * when a held lease has them, else how long the allocator said no lease can be granted
   * (zero when it said nothing: a lease may be a round trip away). For messages such as "the
   * call needs a wait of 12 s".
   */
  default Duration estimatedWait(int permits) {
    return Duration.ZERO;
  }

  /** This limiter's counters, for metrics: acquired, misses, round trips, fallback. */
  default LimiterStats stats() {
    return new LimiterStats(resource(), 0, 0, 0, 0, false);
  }

  /**
   * Acquires one permit, then runs {@code action} and returns its result: the rate-limited
   * call in one line.
   *
   * @throws Exception whatever {@code action} throws, or {@link InterruptedException}
   */
  default <T> T call(Callable<T> action) throws Exception {
    acquire();
    return action.call();
  }
}

package dev.leasehold.client;

import java.time.Duration;
import java.util.Optional;

/** The {@link QuotaLimiter} of one resource: a {@link LeaseBuffer} plus waiting for leases. */
final class ResourceLimiter implements QuotaLimiter {
  /** Waiters re-check at least this often, so a missed wake-up costs little. */
  private static final long MAX_PARK_NANOS = 10_000_000;

  private final String resource;
  private final LeaseBuffer buffer;
  private final Ticker ticker;
  private final Runnable wakeFetcher;
  private final Object arrivals = new Object();
  private volatile boolean closed;

  ResourceLimiter(String resource, LeaseBuffer buffer, Ticker ticker, Runnable wakeFetcher) {
    this.resource = resource;
    this.buffer = buffer;
    this.ticker = ticker;
    this.wakeFetcher = wakeFetcher;
  }

  LeaseBuffer buffer() {
    return buffer;
  }

  @Override
  public String resource() {
    return resource;
  }

  @Override
  public boolean tryAcquire() {
    return tryAcquire(1);
  }

  @Override
  public boolean tryAcquire(int permits) {
    checkPermits(permits);
    if (buffer.tryAcquire(permits)) {
      return true;
    }
    wakeFetcher.run();
    return false;
  }

  @Override
  public boolean tryAcquire(int permits, Duration timeout) throws InterruptedException {
    return acquireLease(permits, timeout) != null;
  }

  @Override
  public void acquire() throws InterruptedException {
    acquire(1);
  }

  @Override
  public void acquire(int permits) throws InterruptedException {
    acquireLease(permits, null);
  }

  @Override
  public Permit acquirePermits(int permits) throws InterruptedException {
    return permit(permits, acquireLease(permits, null));
  }

  @Override
  public Optional<Permit> tryAcquirePermits(int permits, Duration timeout)
      throws InterruptedException {
    HeldLease lease = acquireLease(permits, timeout);
    return lease == null ? Optional.empty() : Optional.of(permit(permits, lease));
  }

  @Override
  public Duration estimatedWait(int permits) {
    checkPermits(permits);
    if (buffer.canServe(permits) || buffer.fallbackActive()) {
      // With the local fallback on, the local limiter paces the caller, not the allocator.
      return Duration.ZERO;
    }
    return Duration.ofNanos(Math.max(0, buffer.retryNotBefore() - ticker.read()));
  }

  private static Permit permit(int permits, HeldLease lease) {
    return new Permit(permits, lease == LeaseBuffer.FALLBACK ? null : lease);
  }

  @Override
  public LimiterStats stats() {
    return buffer.stats(resource);
  }

  /** Acquires, waiting up to {@code timeout} (forever when null); the lease spent, or null. */
  private HeldLease acquireLease(int permits, Duration timeout) throws InterruptedException {
    checkPermits(permits);
    HeldLease lease = buffer.tryAcquireLease(permits);
    if (lease != null) {
      return lease;
    }
    boolean timed = timeout != null;
    long deadline = timed ? ticker.read() + Math.max(0, timeout.toNanos()) : 0;
    while (true) {
      checkOpen();
      wakeFetcher.run();
      long now = ticker.read();
      if (timed) {
        if (now - deadline >= 0) {
          return null;
        }
        // The allocator said nothing can be granted before retryNotBefore: fail fast.
        if (buffer.retryNotBefore() - deadline > 0 && !buffer.canServe(permits)) {
          return null;
        }
      }
      long park = timed ? Math.min(MAX_PARK_NANOS, deadline - now) : MAX_PARK_NANOS;
      synchronized (arrivals) {
        arrivals.wait(Math.max(1, park / 1_000_000));
      }
      lease = buffer.tryAcquireLease(permits, false);
      if (lease != null) {
        return lease;
      }
    }
  }

  /** Wakes waiters: a lease arrived, or the client is closing. */
  void leaseArrived() {
    synchronized (arrivals) {
      arrivals.notifyAll();
    }
  }

  void close() {
    closed = true;
    buffer.close();
    leaseArrived();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the LeaseholdClient of limiter '" + resource
          + "' is closed; create a new client to acquire again");
    }
  }

  private void checkPermits(int permits) {
    if (permits <= 0) {
      throw new IllegalArgumentException("permits must be > 0, got " + permits);
    }
    if (permits > buffer.maxAcquire()) {
      throw new IllegalArgumentException("permits (" + permits + ") exceed the tightest limit of '"
          + resource + "' (" + buffer.maxAcquire() + "); no lease can ever hold them: split the"
          + " request or raise the limit on the allocator");
    }
  }

  @Override
  public String toString() {
    return "QuotaLimiter[" + resource + "]";
  }
}

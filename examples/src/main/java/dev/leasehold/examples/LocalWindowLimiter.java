package dev.leasehold.examples;

import dev.leasehold.client.QuotaLimiter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * A limiter that knows only its own process: at most {@code permits} acquires in any sliding
 * window, exactly, but blind to every other process. It is what each worker runs in the demo's
 * uncoordinated and divided modes — correct alone, wrong as a fleet.
 */
final class LocalWindowLimiter implements QuotaLimiter {
  private final String resource;
  private final long permits;
  private final long windowNanos;
  private final ArrayDeque<Long> acquired = new ArrayDeque<>();

  LocalWindowLimiter(String resource, long permits, Duration window) {
    this.resource = resource;
    this.permits = permits;
    this.windowNanos = window.toNanos();
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
  public synchronized boolean tryAcquire(int n) {
    checkPermits(n);
    long now = System.nanoTime();
    while (!acquired.isEmpty() && now - acquired.peekFirst() > windowNanos) {
      acquired.removeFirst();
    }
    if (acquired.size() + n > permits) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      acquired.addLast(now);
    }
    return true;
  }

  @Override
  public boolean tryAcquire(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!tryAcquire(n)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(left, nanosUntilFree()));
    }
    return true;
  }

  @Override
  public void acquire() throws InterruptedException {
    acquire(1);
  }

  @Override
  public void acquire(int n) throws InterruptedException {
    while (!tryAcquire(n)) {
      TimeUnit.NANOSECONDS.sleep(nanosUntilFree());
    }
  }

  /** How long until the oldest acquire leaves the window (at least 0.1 ms). */
  private synchronized long nanosUntilFree() {
    Long oldest = acquired.peekFirst();
    long wait = oldest == null ? 0 : oldest + windowNanos + 1 - System.nanoTime();
    return Math.max(100_000, wait);
  }

  private void checkPermits(int n) {
    if (n <= 0 || n > permits) {
      throw new IllegalArgumentException("permits must be 1.." + permits + ", got " + n);
    }
  }
}

package dev.leasehold.client;

import java.util.concurrent.TimeUnit;

/** A ticker tests move by hand. */
final class ManualTicker implements Ticker {
  private volatile long nanos = 1_000_000_000L;

  @Override
  public long read() {
    return nanos;
  }

  void advanceMillis(long millis) {
    nanos += TimeUnit.MILLISECONDS.toNanos(millis);
  }
}

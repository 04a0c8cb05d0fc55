package dev.leasehold.sim;

/**
 * One client's wish over true time: {@code rate} permits per second while "on". A steady client
 * is always on; a bursty one is on for {@code onNanos} of every {@code periodNanos}.
 */
final class DemandProfile {
  private final double rate;
  private final long periodNanos;
  private final long onNanos;
  private final long phase;

  private DemandProfile(double rate, long periodNanos, long onNanos, long phase) {
    this.rate = rate;
    this.periodNanos = periodNanos;
    this.onNanos = onNanos;
    this.phase = phase;
  }

  static DemandProfile steady(double rate) {
    return new DemandProfile(rate, 0, 0, 0);
  }

  static DemandProfile bursty(double rate, long periodNanos, long onNanos, long phase) {
    return new DemandProfile(rate, periodNanos, onNanos, phase);
  }

  /** Permits per second wanted at true time {@code t}. */
  double rate(long t) {
    if (periodNanos == 0) {
      return rate;
    }
    return Math.floorMod(t + phase, periodNanos) < onNanos ? rate : 0;
  }

  /** The next true time after {@code t} at which the rate may change. */
  long nextChange(long t) {
    if (periodNanos == 0) {
      return Long.MAX_VALUE;
    }
    long at = Math.floorMod(t + phase, periodNanos);
    return t + (at < onNanos ? onNanos - at : periodNanos - at);
  }
}

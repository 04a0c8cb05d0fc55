package dev.leasehold.client;

/**
 * A snapshot of one limiter's counters since its client started. Immutable.
 *
 * @param resource the resource's name
 * @param acquired permits spent from leases (as seen by the fetcher, so up to a few
 *     milliseconds behind), plus those granted by the local fallback
 * @param misses acquires that found no permit at once (they may have waited and succeeded)
 * @param roundTrips lease requests to the allocator that carried this resource
 * @param leases leases received
 * @param fallbackActive whether the allocator is unreachable and the resource is limited locally
 *     only: the fleet-wide guarantee is suspended while this is true
 */
public record LimiterStats(String resource, long acquired, long misses, long roundTrips,
    long leases, boolean fallbackActive) {

  /** Network round trips per 1,000 acquired permits; 0 before any permit was acquired. */
  public double roundTripsPerThousand() {
    return acquired == 0 ? 0 : 1000.0 * roundTrips / acquired;
  }
}

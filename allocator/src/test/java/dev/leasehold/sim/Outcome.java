package dev.leasehold.sim;

import java.util.List;

/**
 * What one run found.
 *
 * @param failure the first broken rule (a window over a limit, or a core invariant), or null
 * @param violationAtNanos true time of the failure (the run stops there), or -1
 * @param worst the busiest window seen, per limit (shortest window first)
 * @param staleGrants leases granted by a replica whose epoch had been superseded (from memory)
 * @param fencedWrites ledger writes the epoch fence refused
 * @param trace notable events and the tail of the event log; empty when the run passed
 */
record Outcome(Scenario scenario, long seed, String failure, long violationAtNanos, long events,
    long admitted, double utilization, long[] worst, long epochs, long gaveUp,
    long staleGrants, long fencedWrites, List<String> trace) {

  boolean failed() {
    return failure != null;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("seed ").append(seed).append(": ")
        .append(failed() ? "FAILED " + failure : "ok")
        .append(String.format(" (events %d, admitted %d, utilization %.1f%%, epochs %d, stale grants %d,"
            + " fenced writes %d, worst", events, admitted, 100 * utilization, epochs,
            staleGrants, fencedWrites));
    for (int i = 0; i < worst.length; i++) {
      s.append(' ').append(worst[i]).append('/').append(scenario.config().limits().get(i));
    }
    return s.append(")").toString();
  }
}

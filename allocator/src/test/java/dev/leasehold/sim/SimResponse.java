package dev.leasehold.sim;

/**
 * An allocator's answer: a lease, a retry-after, or "not leader" with the leader it knows of.
 * Only durations travel, never timestamps, as in the real protocol.
 */
record SimResponse(long seq, boolean notLeader, String leaderHint, String leaseId, long permits,
    long ttlMillis, long retryAfterMillis, long maxAcquire, long epoch) {

  static SimResponse notLeader(long seq, String hint) {
    return new SimResponse(seq, true, hint, null, 0, 0, 0, 0, 0);
  }

  @Override
  public String toString() {
    if (notLeader) {
      return "#" + seq + " not-leader hint=" + leaderHint;
    }
    return "#" + seq + " e" + epoch + (leaseId != null
        ? " lease " + leaseId + " x" + permits + " ttl=" + ttlMillis + "ms"
        : " none retry=" + retryAfterMillis + "ms");
  }
}

package dev.leasehold.allocator;

/**
 * The ledger's answer to one resource's demand: a lease, or how long to wait before asking again.
 *
 * @param lease the lease granted, or null
 * @param ttlMillis the lease's time to live as told to the client (0 when no lease)
 * @param retryAfterMillis when no lease: the least time before asking again can succeed
 */
record Grant(GrantedLease lease, long ttlMillis, long retryAfterMillis) {
  static Grant none(long retryAfterMillis) {
    return new Grant(null, 0, retryAfterMillis);
  }
}

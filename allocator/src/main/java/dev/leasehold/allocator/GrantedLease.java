package dev.leasehold.allocator;

/**
 * A lease as the allocator remembers it until it is returned or ends.
 *
 * @param grantedAt when it was granted, on the allocator's clock
 * @param end the allocator's bound, on its own clock, for the last instant a permit of the
 *     lease may be spent: the grant time plus the ttl stretched by the drift bound
 */
record GrantedLease(String id, String clientId, long permits, long grantedAt, long end,
    Block block) {}

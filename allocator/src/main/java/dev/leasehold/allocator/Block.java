package dev.leasehold.allocator;

import java.util.HashMap;
import java.util.Map;

/**
 * A block of permits the leader reserved in the ledger before granting leases out of it.
 *
 * <p>A block is seen two ways. <b>In the ledger</b> (what a successor reads) an open block
 * counts its whole capacity until its worst-case end ({@link #validUntil}), and a closed one
 * only the permits its leases spent, until the last of them ended; leases never outlive their
 * block, so that is a true bound. <b>In the leader's own rule</b> a block counts only the
 * permits of its outstanding leases; what ended leases spent is charged lease by lease by the
 * {@link ResourceLedger}. Not thread-safe: owned by its {@link ResourceLedger}.
 */
final class Block {
  enum State {
    /** Reserved in memory; the ledger write is in flight; nothing may be granted yet. */
    PENDING,
    /** Recorded in ZooKeeper; leases are granted out of it. */
    OPEN,
    /** Every lease ended; charges its true count. */
    CLOSED
  }

  final String id;
  final long capacity;
  final long reservedAt;
  final long validUntil;
  private State state = State.PENDING;
  private long available;
  private long spent;
  private long lastEnd;
  private long lastGrantAt;
  private long outstandingPermits;
  private final Map<String, GrantedLease> outstanding = new HashMap<>();

  Block(String id, long capacity, long reservedAt, long validUntil) {
    this.id = id;
    this.capacity = capacity;
    this.reservedAt = reservedAt;
    this.validUntil = validUntil;
    this.lastEnd = reservedAt;
    this.lastGrantAt = reservedAt;
  }

  State state() {
    return state;
  }

  void recorded() {
    if (state == State.PENDING) {
      state = State.OPEN;
      available = capacity;
    }
  }

  /** The write's outcome is unknown or failed: grant nothing from it; it charges nothing we spent. */
  void abandon() {
    if (state == State.PENDING) {
      state = State.OPEN;
      available = 0;
    }
  }

  long available() {
    return state == State.OPEN ? available : 0;
  }

  /** Permits of its outstanding leases: what the leader counts for the block itself. */
  long outstandingPermits() {
    return outstandingPermits;
  }

  /** The permits the ledger records for this block: its capacity while open. */
  long recordedCount() {
    return state == State.CLOSED ? spent : capacity;
  }

  /** The end the ledger records for this block: its worst case while open. */
  long recordedEnd() {
    return state == State.CLOSED ? lastEnd : validUntil;
  }

  GrantedLease grant(String leaseId, String clientId, long permits, long now, long end) {
    available -= permits;
    outstandingPermits += permits;
    lastGrantAt = now;
    GrantedLease lease = new GrantedLease(leaseId, clientId, permits, now, end, this);
    outstanding.put(leaseId, lease);
    return lease;
  }

  /**
   * A lease came back, its last permit spent no later than {@code end}: its unused permits may
   * be granted again while the block is open.
   */
  void returned(GrantedLease lease, long used, long end) {
    outstanding.remove(lease.id());
    outstandingPermits -= lease.permits();
    spent += used;
    lastEnd = Math.max(lastEnd, end);
    available += lease.permits() - used;
  }

  /** A lease ended without a return: count it fully spent, up to its end. */
  void expired(GrantedLease lease) {
    outstanding.remove(lease.id());
    outstandingPermits -= lease.permits();
    spent += lease.permits();
    lastEnd = Math.max(lastEnd, lease.end());
  }

  boolean hasOutstanding() {
    return !outstanding.isEmpty();
  }

  Iterable<GrantedLease> outstanding() {
    return outstanding.values();
  }

  long lastGrantAt() {
    return lastGrantAt;
  }

  void close() {
    state = State.CLOSED;
    available = 0;
  }
}

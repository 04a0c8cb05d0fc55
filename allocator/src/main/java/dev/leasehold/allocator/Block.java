package dev.leasehold.allocator;

import java.util.HashMap;
import java.util.Map;

/**
 * A block of permits the leader reserved in the ledger before granting leases out of it.
 *
 * <p>While open a block charges its whole capacity to every window until its worst-case end
 * ({@link #validUntil}); once closed it charges only the permits its leases really spent, until
 * the last of them ended. Leases never outlive the block, so the worst case is a true bound.
 * Not thread-safe: owned by its {@link ResourceLedger}.
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

  /** Permits this block charges to a window that reaches back to {@code since}. */
  long charge(long since) {
    if (state == State.CLOSED) {
      return lastEnd > since ? spent : 0;
    }
    return validUntil > since ? capacity : 0;
  }

  /** The instant after which the block charges nothing more to a window ending there. */
  long end() {
    return state == State.CLOSED ? lastEnd : validUntil;
  }

  long chargedCount() {
    return state == State.CLOSED ? spent : capacity;
  }

  GrantedLease grant(String leaseId, String clientId, long permits, long now, long end) {
    available -= permits;
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
    spent += used;
    lastEnd = Math.max(lastEnd, end);
    available += lease.permits() - used;
  }

  /** A lease ended without a return: count it fully spent, up to its end. */
  void expired(GrantedLease lease) {
    outstanding.remove(lease.id());
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

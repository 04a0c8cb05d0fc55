package dev.leasehold.allocator;

import dev.leasehold.proto.v1.LeaseReturn;
import dev.leasehold.proto.v1.SpendBucket;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * The leader's account of one resource: the blocks it reserved, the leases granted out of them,
 * and the charges inherited from earlier leaders. It implements the one accounting rule of
 * docs/design.md: a lease of k permits is granted at {@code now} only if, for every limit,
 * everything that may spend inside a window reaching back from {@code now}, plus k, fits the
 * limit. Leases come only out of blocks already recorded in ZooKeeper, so what a successor
 * reads there bounds everything this leader granted.
 *
 * <p>Sans-I/O: time comes in as arguments (nanoseconds on the leader's monotonic clock), the
 * ledger write goes out as a {@link LedgerWrite} for an adapter to persist. Thread-safe: every
 * method synchronizes on the ledger.
 */
final class ResourceLedger {
  private static final int MAX_RECORD_ENTRIES = 512;

  private final ResourceConfig config;
  private final long epoch;
  private final double stretch;
  private final long ttlNanos;
  /**
   * Added to every end: an allowance for the time between an acquire and the arrival of the call
   * it admits at the provider, whose clock is the one that counts ({@code arrivalMargin}).
   */
  private final long marginNanos;
  private final long minTtlNanos;
  private final long validityNanos;
  private final long maxWindowNanos;
  private final long flushIntervalNanos;
  private final FairShare fairShare;

  /** Blocks not yet closed. */
  private final List<Block> blocks = new ArrayList<>();
  /** Closed blocks as the ledger records them, until no window can see them. */
  private final List<Charge> closedBlocks = new ArrayList<>();
  private final List<Charge> inherited = new ArrayList<>();
  /** What ended leases spent, by when they spent it; roughly in order of end. */
  private final EndedCharges ended = new EndedCharges();
  private final Map<String, GrantedLease> leases = new HashMap<>();
  private final PriorityQueue<GrantedLease> byEnd =
      new PriorityQueue<>(Comparator.comparingLong(GrantedLease::end));
  private long nextBlock;
  private long nextLease;
  private long unmetNeed;
  private boolean dirty;
  private boolean writeInFlight;
  private long lastWriteAt;

  /** A charge inherited from an earlier leader's ledger, placed on this leader's clock. */
  record Charge(String id, long count, long end) {}

  /** A snapshot to persist, and the block it reserves (null when it only records closes). */
  record LedgerWrite(LedgerRecord record, Block reserved) {}

  ResourceLedger(ResourceConfig config, long epoch, double driftBound, long now) {
    this.config = config;
    this.epoch = epoch;
    // The allocator stretches a lease's end by twice the drift bound: the client may count
    // its ttl on a slow clock, and the allocator on a fast one.
    this.stretch = 1 + 2 * driftBound;
    this.ttlNanos = config.leaseTtl().toNanos();
    this.marginNanos = config.arrivalMargin().toNanos();
    this.minTtlNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(5), ttlNanos / 4);
    this.validityNanos = 2 * ttlNanos;
    this.maxWindowNanos = window(config.limits().get(config.limits().size() - 1));
    this.flushIntervalNanos = Math.max(ttlNanos, TimeUnit.MILLISECONDS.toNanos(100));
    this.fairShare = new FairShare(config, ttlNanos);
    this.lastWriteAt = now;
  }

  ResourceConfig config() {
    return config;
  }

  /**
   * Builds a new leader's ledger from what the previous leaders wrote. Every charge is placed
   * on this leader's clock at its latest possible end: the record was written before
   * {@code readAt}, and the writer's clock may have run slow or fast by the drift bound.
   */
  static ResourceLedger restore(ResourceConfig config, long epoch, double driftBound,
      LedgerRecord record, long readAt) {
    ResourceLedger ledger = new ResourceLedger(config, epoch, driftBound, readAt);
    for (LedgerRecord.Entry e : record.entries()) {
      long offset = TimeUnit.MICROSECONDS.toNanos(e.endOffsetMicros());
      long end = offset >= 0
          ? readAt + (long) (offset * (1 + 2 * driftBound)) + ledger.marginNanos
          : readAt + (long) (offset * (1 - 2 * driftBound)) + ledger.marginNanos;
      ledger.inherited.add(new Charge(e.id(), e.count(), end));
    }
    ledger.dirty = !record.entries().isEmpty();
    return ledger;
  }

  // ---------------------------------------------------------------- leases

  /**
   * Grants a lease to {@code clientId} out of an open block, sized by its demand and fair share.
   *
   * @param wanted permits the client would like; 0 asks for none
   * @param minPermits the smallest lease the client can use
   */
  synchronized Grant grant(String clientId, long wanted, long minPermits, long now) {
    return grant(clientId, wanted, minPermits, now, now);
  }

  /**
   * As {@link #grant(String, long, long, long)}, for a request that arrived at
   * {@code receivedAt} and waited here until {@code now}. The client counts the ttl from before
   * it sent the request, so the ttl it is told covers the wait, and the lease's end is reckoned
   * from the arrival: it still falls after the client's deadline, and within the block.
   */
  synchronized Grant grant(String clientId, long wanted, long minPermits, long receivedAt,
      long now) {
    fairShare.saw(clientId, wanted, now);
    if (wanted <= 0) {
      return Grant.none(0);
    }
    long need = Math.max(config.minLeasePermits(), minPermits);
    long size = Math.min(Math.max(wanted, need), Math.max(config.maxLeasePermits(), need));
    long room = fairShare.room(clientId, need, now);
    if (room < need) {
      fairShare.denied(clientId, now);
      return Grant.none(Math.min(millisCeil(minTtlNanos), 20));
    }
    size = Math.min(size, Math.min(room, headroom(now)));
    Block block = size < need ? null : blockFor(need, now);
    if (block == null) {
      unmetNeed = Math.max(unmetNeed, need);
      fairShare.denied(clientId, now);
      return Grant.none(retryAfterMillis(need, now));
    }
    size = Math.min(size, block.available());
    long held = now - receivedAt;
    long ttl = Math.min(ttlNanos + held,
        (long) ((block.validUntil - receivedAt - marginNanos) / stretch));
    long ttlMillis = TimeUnit.NANOSECONDS.toMillis(ttl);
    long end = receivedAt + (long) (TimeUnit.MILLISECONDS.toNanos(ttlMillis) * stretch)
        + marginNanos;
    GrantedLease lease = block.grant(epoch + "-" + nextLease++, clientId, size, now, end);
    leases.put(lease.id(), lease);
    byEnd.add(lease);
    fairShare.granted(clientId, size, now);
    return new Grant(lease, ttlMillis, 0);
  }

  /** The open block a lease of {@code need} permits comes from: the oldest that can serve it. */
  private Block blockFor(long need, long now) {
    for (Block b : blocks) {
      if (b.available() >= need && b.validUntil - now - marginNanos >= minTtlNanos * stretch) {
        return b;
      }
    }
    return null;
  }

  /**
   * Checks a return before anything of its request is applied.
   *
   * @throws IllegalArgumentException when {@code used} exceeds the lease's permits
   */
  synchronized void checkReturn(String leaseId, long used) {
    GrantedLease lease = leases.get(leaseId);
    if (lease != null && used > lease.permits()) {
      throw new IllegalArgumentException("used (" + used + ") exceeds the permits of lease '"
          + leaseId + "' (" + lease.permits() + ")");
    }
  }

  /**
   * A client returns a lease and says how many permits it spent. Unknown ids (leases of an
   * earlier leader, or already ended) are ignored: they are charged in full until their end.
   */
  synchronized void returnLease(String leaseId, long used, long now) {
    returnLease(leaseId, used, 0, now);
  }

  /**
   * As {@link #returnLease(String, long, long)}, for a lease the client closed
   * {@code closedAgoMillis} (on its clock) before it sent the return: its permits stop counting
   * from then, stretched for drift, rather than from the return's arrival.
   */
  synchronized void returnLease(String leaseId, long used, long closedAgoMillis, long now) {
    returnLease(leaseId, used, closedAgoMillis, List.of(), now);
  }

  /**
   * As {@link #returnLease(String, long, long, long)}, with the spent permits split into
   * buckets by when they were spent: {@code spends} holds pairs {permits, agoMillis}, each
   * bucket's permits spent no later than {@code agoMillis} before the return was sent. Each
   * bucket leaves the window on its own; the rest of {@code used} counts from the close.
   */
  synchronized void returnLease(String leaseId, long used, long closedAgoMillis,
      List<long[]> spends, long now) {
    GrantedLease lease = leases.remove(leaseId);
    if (lease == null) {
      return;
    }
    byEnd.remove(lease);
    long spent = Math.min(used, lease.permits());
    fairShare.released(lease.clientId(), lease.permits(), spent);
    long closedEnd = spendEnd(lease, closedAgoMillis, now);
    lease.block().returned(lease, spent, closedEnd);
    long rest = spent;
    for (long[] bucket : spends) {
      long permits = Math.min(bucket[0], rest);
      if (permits > 0) {
        ended.add(permits, Math.min(closedEnd, spendEnd(lease, bucket[1], now)));
        rest -= permits;
      }
    }
    if (rest > 0) {
      ended.add(rest, closedEnd);
    }
  }

  /** A return as the protocol carries it; see {@link #returnLease(String, long, long, List, long)}. */
  void returnLease(LeaseReturn ret, long now) {
    List<long[]> spends = new ArrayList<>(ret.getSpendsCount());
    for (SpendBucket b : ret.getSpendsList()) {
      spends.add(new long[] {b.getPermits(), b.getAgoMs()});
    }
    returnLease(ret.getLeaseId(), ret.getUsed(), ret.getClosedAgoMs(), spends, now);
  }

  /**
   * When a permit spent {@code agoMillis} (on the client's clock) before the return was sent
   * stops counting: the client's interval stretched for drift, never before the grant, never
   * after the lease's end, plus the arrival margin.
   */
  private long spendEnd(GrantedLease lease, long agoMillis, long now) {
    long ago = (long) (TimeUnit.MILLISECONDS.toNanos(agoMillis) * (2 - stretch));
    long at = Math.max(lease.grantedAt(), now - ago);
    return Math.min(lease.end(), at + marginNanos);
  }

  // ---------------------------------------------------------------- upkeep

  /** Ends leases past their end, closes finished blocks, forgets what no window can see. */
  synchronized void tick(long now) {
    for (GrantedLease l = byEnd.peek(); l != null && l.end() <= now; l = byEnd.peek()) {
      byEnd.poll();
      leases.remove(l.id());
      fairShare.released(l.clientId(), l.permits(), l.permits());
      l.block().expired(l);
      ended.add(l.permits(), l.end());
    }
    for (Iterator<Block> it = blocks.iterator(); it.hasNext(); ) {
      Block b = it.next();
      if (b.state() == Block.State.OPEN && !b.hasOutstanding() && finished(b, now)) {
        b.close();
        it.remove();
        closedBlocks.add(new Charge(b.id, b.recordedCount(), b.recordedEnd()));
        dirty = true;
      }
    }
    closedBlocks.removeIf(c -> c.end() + maxWindowNanos < now);
    if (closedBlocks.size() > 2 * MAX_RECORD_ENTRIES) {
      mergePairs(closedBlocks);
    }
    inherited.removeIf(c -> c.end() + maxWindowNanos < now);
    ended.forgetBefore(now - maxWindowNanos);
    fairShare.forgetIdle(now);
  }

  private boolean finished(Block b, long now) {
    return b.available() < config.minLeasePermits()
        || b.validUntil - now < minTtlNanos * stretch
        || now - b.lastGrantAt() >= ttlNanos;
  }

  // ---------------------------------------------------------------- ledger writes

  /**
   * Returns the next write for the ledger znode, or null when none is due. A write is due to
   * reserve a block when demand outruns the open blocks, and to record closed blocks so a
   * successor does not count them at their worst case. One write is in flight at a time.
   */
  synchronized LedgerWrite prepareWrite(long now) {
    if (writeInFlight) {
      return null;
    }
    Block reserved = reserveIfNeeded(now);
    if (reserved == null && !(dirty && now - lastWriteAt >= flushIntervalNanos)) {
      return null;
    }
    writeInFlight = true;
    dirty = false;
    return new LedgerWrite(snapshot(now), reserved);
  }

  /**
   * Reserves the next block when demand outruns the open blocks and the rule leaves room for a
   * lease. Only when less than a largest lease is left to grant: the ledger may record more than
   * the window has left (a successor counts open blocks at capacity), and this bounds that
   * excess, which is what a failover can cost, to about two blocks.
   */
  private Block reserveIfNeeded(long now) {
    long available = 0;
    for (Block b : blocks) {
      if (b.validUntil - now >= minTtlNanos * stretch) {
        available += b.available();
      }
    }
    long need = Math.max(unmetNeed, config.minLeasePermits());
    boolean wanted = unmetNeed > 0
        || (fairShare.hasDemand(now) && available < config.maxLeasePermits());
    if (!wanted || available >= Math.max(need, config.maxLeasePermits())
        || headroom(now) < need) {
      return null;
    }
    long size = Math.max(config.blockPermits(), need);
    unmetNeed = 0;
    Block block = new Block(epoch + "-b" + nextBlock++, size, now, now + validityNanos);
    blocks.add(block);
    return block;
  }

  synchronized void writeSucceeded(LedgerWrite write, long now) {
    writeInFlight = false;
    lastWriteAt = now;
    if (write.reserved() != null) {
      write.reserved().recorded();
    }
  }

  /** The write failed or its outcome is unknown: its block is charged but never granted from. */
  synchronized void writeFailed(LedgerWrite write) {
    writeInFlight = false;
    dirty = true;
    if (write.reserved() != null) {
      write.reserved().abandon();
    }
  }

  private LedgerRecord snapshot(long now) {
    List<LedgerRecord.Entry> entries = new ArrayList<>();
    for (Block b : blocks) {
      addEntry(entries, b.id, b.recordedCount(), b.recordedEnd(), now);
    }
    for (Charge c : closedBlocks) {
      addEntry(entries, c.id(), c.count(), c.end(), now);
    }
    for (Charge c : inherited) {
      addEntry(entries, c.id(), c.count(), c.end(), now);
    }
    return new LedgerRecord(compact(entries));
  }

  /**
   * Halves a list of charges in close order by merging neighbours into one that counts both
   * until the later end: the memory of hour-long windows stays bounded, and never less safe.
   */
  private static void mergePairs(List<Charge> charges) {
    List<Charge> merged = new ArrayList<>((charges.size() + 1) / 2);
    for (int i = 0; i < charges.size(); i += 2) {
      Charge a = charges.get(i);
      if (i + 1 == charges.size()) {
        merged.add(a);
      } else {
        Charge b = charges.get(i + 1);
        merged.add(new Charge(a.id() + "+", a.count() + b.count(), Math.max(a.end(), b.end())));
      }
    }
    charges.clear();
    charges.addAll(merged);
  }

  /**
   * Keeps the record under {@value #MAX_RECORD_ENTRIES} entries, so the znode stays far below
   * ZooKeeper's 1 MB limit even for hour-long windows: entries next to each other in end are
   * merged into one that counts them all until the latest of their ends, which only ever makes
   * a successor more cautious.
   */
  private static List<LedgerRecord.Entry> compact(List<LedgerRecord.Entry> entries) {
    if (entries.size() <= MAX_RECORD_ENTRIES) {
      return entries;
    }
    entries.sort(Comparator.comparingLong(LedgerRecord.Entry::endOffsetMicros));
    int group = (entries.size() + MAX_RECORD_ENTRIES - 1) / MAX_RECORD_ENTRIES;
    List<LedgerRecord.Entry> merged = new ArrayList<>();
    for (int i = 0; i < entries.size(); i += group) {
      List<LedgerRecord.Entry> part = entries.subList(i, Math.min(entries.size(), i + group));
      long count = part.stream().mapToLong(LedgerRecord.Entry::count).sum();
      LedgerRecord.Entry last = part.get(part.size() - 1);
      merged.add(new LedgerRecord.Entry(part.get(0).id() + (part.size() > 1 ? "+" : ""), count,
          last.endOffsetMicros()));
    }
    return merged;
  }

  private void addEntry(List<LedgerRecord.Entry> entries, String id, long count, long end,
      long now) {
    if (count > 0 && end + maxWindowNanos >= now) {
      // Round away from the reader's favour: a later end is the safe side.
      long micros = Math.floorDiv(end - now, 1000) + 1;
      entries.add(new LedgerRecord.Entry(id, count, micros));
    }
  }

  // ---------------------------------------------------------------- the rule

  /**
   * A limit's window as this leader's clock measures it, stretched by the drift bound: a clock
   * running fast by rho would otherwise let a charge leave a true window rho * window early
   * (60 ms for a minute at 0.1%, more than the arrival margin; found by the simulator).
   */
  private long window(Limit limit) {
    return (long) (limit.windowNanos() * stretch);
  }

  /**
   * Permits that may be spent inside some window of {@code limit} that reaches {@code now}: the
   * leader's own leases as they stand, and what earlier leaders' ledgers recorded.
   */
  synchronized long charged(Limit limit, long now) {
    long since = now - window(limit);
    long sum = 0;
    for (Block b : blocks) {
      sum += b.outstandingPermits();
    }
    sum += ended.countSince(since);
    for (Charge c : inherited) {
      if (c.end() >= since) {
        sum += c.count();
      }
    }
    return sum;
  }

  /** The most permits that may be granted at {@code now} without breaking any limit. */
  synchronized long headroom(long now) {
    long room = Long.MAX_VALUE;
    for (Limit limit : config.limits()) {
      room = Math.min(room, limit.permits() - charged(limit, now));
    }
    return Math.max(0, room);
  }

  /**
   * The least time until a lease of {@code need} permits may be granted. While some block is
   * open or being recorded, a return may free permits at any moment, so the answer is short;
   * otherwise it is when enough closed charges leave the window.
   */
  private long retryAfterMillis(long need, long now) {
    if (!blocks.isEmpty()) {
      return Math.min(millisCeil(minTtlNanos), 20);
    }
    long wait = 0;
    for (Limit limit : config.limits()) {
      long deficit = need - (limit.permits() - charged(limit, now));
      if (deficit > 0) {
        wait = Math.max(wait, timeToFree(limit, deficit, now));
      }
    }
    return Math.max(1, millisCeil(wait));
  }

  private long timeToFree(Limit limit, long deficit, long now) {
    long since = now - window(limit);
    List<long[]> charges = new ArrayList<>();
    ended.addTo(charges, since);
    for (Charge c : inherited) {
      if (c.end() >= since) {
        charges.add(new long[] {c.end(), c.count()});
      }
    }
    charges.sort(Comparator.comparingLong(c -> c[0]));
    long freed = 0;
    for (long[] c : charges) {
      freed += c[1];
      if (freed >= deficit) {
        return c[0] + window(limit) - now + 1;
      }
    }
    return window(limit);
  }

  private static long millisCeil(long nanos) {
    return (nanos + 999_999) / 1_000_000;
  }

  /** Leases currently outstanding; for tests and metrics. */
  synchronized int outstandingLeases() {
    return leases.size();
  }
}

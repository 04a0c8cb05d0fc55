package dev.leasehold.allocator;

import java.util.List;

/**
 * The deterministic simulator's window onto the allocator's package-private sans-I/O core.
 *
 * <p>It lives in the core's package (in test sources only) so the simulator in
 * {@code dev.leasehold.sim} drives the very {@link ResourceLedger}, {@link Block} and
 * {@link LedgerRecord} the server runs, with nothing re-implemented: every method forwards one
 * call. Ledger records cross the bridge as the bytes ZooKeeper would hold, so the simulated
 * store round-trips them through the real encoder and parser.
 */
public final class SimLedgerBridge {
  private final ResourceLedger ledger;

  private SimLedgerBridge(ResourceLedger ledger) {
    this.ledger = ledger;
  }

  /** What a grant decided; {@code leaseId} is null when no lease was granted. */
  public record Granted(String leaseId, long permits, long ttlMillis, long retryAfterMillis) {}

  /** A ledger write to persist: the znode bytes, and the core's handle to report the outcome. */
  public static final class Write {
    private final ResourceLedger.LedgerWrite write;

    private Write(ResourceLedger.LedgerWrite write) {
      this.write = write;
    }

    public byte[] data() {
      return write.record().encode();
    }

    /** Whether the write reserves a block (rather than only recording closes). */
    public boolean reserves() {
      return write.reserved() != null;
    }

    @Override
    public String toString() {
      return (reserves() ? "reserve " + write.reserved().id + "(" + write.reserved().capacity + ")"
          : "flush") + " entries=" + write.record().entries().size();
    }
  }

  /** A new leader's ledger from the znode bytes it read at {@code readAt} (its own clock). */
  public static SimLedgerBridge restore(ResourceConfig config, long epoch, double driftBound,
      byte[] znode, long readAt) {
    LedgerRecord record = LedgerRecord.decode(znode, "/sim/ledger");
    return new SimLedgerBridge(ResourceLedger.restore(config, epoch, driftBound, record, readAt));
  }

  public Granted grant(String clientId, long wanted, long minPermits, long now) {
    Grant g = ledger.grant(clientId, wanted, minPermits, now);
    if (g.lease() == null) {
      return new Granted(null, 0, 0, g.retryAfterMillis());
    }
    return new Granted(g.lease().id(), g.lease().permits(), g.ttlMillis(), 0);
  }

  public void checkReturn(String leaseId, long used) {
    ledger.checkReturn(leaseId, used);
  }

  public void returnLease(dev.leasehold.proto.v1.LeaseReturn ret, long now) {
    ledger.returnLease(ret, now);
  }

  public void tick(long now) {
    ledger.tick(now);
  }

  /** The next due write, or null. */
  public Write prepareWrite(long now) {
    ResourceLedger.LedgerWrite w = ledger.prepareWrite(now);
    return w == null ? null : new Write(w);
  }

  public void writeSucceeded(Write write, long now) {
    ledger.writeSucceeded(write.write, now);
  }

  public void writeFailed(Write write) {
    ledger.writeFailed(write.write);
  }

  public long headroom(long now) {
    return ledger.headroom(now);
  }

  /** Entries of a znode's record, for traces: {@code id count endOffsetMicros}. */
  public static List<String> describe(byte[] znode) {
    return LedgerRecord.decode(znode, "/sim/ledger").entries().stream()
        .map(e -> e.id() + " " + e.count() + " " + e.endOffsetMicros()).toList();
  }
}

package dev.leasehold.client;

import dev.leasehold.proto.v1.LeaseReturn;
import java.util.ArrayList;
import java.util.List;

/**
 * The deterministic simulator's window onto the client's package-private {@link LeaseBuffer}
 * and {@link HeldLease}: the same objects a {@code LeaseholdClient} spends from, driven by the
 * simulator's fetcher loop instead of {@code LeaseFetcher}'s thread. It sits in the client's
 * package in the allocator module's test sources (a split package on the test classpath, which
 * is fine outside JPMS) so the client's main code needs no test hooks.
 */
public final class SimBufferBridge {
  private final LeaseBuffer buffer;

  public SimBufferBridge(Ticker ticker) {
    this.buffer = new LeaseBuffer(ticker);
  }

  /**
   * A lease to hand back, the permits of it that were spent, and the ticker reading at which it
   * was closed (nothing of it can be spent later).
   */
  public record Return(String leaseId, long used, long closedAt, long[][] spends) {
    /** As the client sends it at {@code now}: the real client's conversion. */
    public LeaseReturn toWire(long now) {
      return LeaseFetcher.toProto(new LeaseBuffer.Returned(leaseId, used, closedAt, spends), now);
    }
  }

  public boolean tryAcquire(int permits) {
    return buffer.tryAcquire(permits);
  }

  /** As {@code LeaseFetcher.nextRequest}: closes spent or dead leases (all when closing). */
  public void collectReturns(long now, boolean all, List<Return> out) {
    List<LeaseBuffer.Returned> returned = new ArrayList<>();
    buffer.collectReturns(now, all, returned);
    for (LeaseBuffer.Returned r : returned) {
      out.add(new Return(r.leaseId(), r.used(), r.closedAt(), r.spends()));
    }
  }

  public long demand(long now, long leadNanos) {
    return buffer.demand(now, leadNanos);
  }

  public long minPermits() {
    return buffer.minPermits();
  }

  /** Installs a lease spendable until {@code deadline} (a reading of this client's ticker). */
  /**
   * Installs a lease spendable until {@code deadline}, received at {@code receivedAt} (readings
   * of this client's ticker).
   */
  public void install(String leaseId, long permits, long deadline, long receivedAt,
      long ttlNanos) {
    buffer.install(new HeldLease(leaseId, permits, deadline, receivedAt), ttlNanos);
  }

  public void retryNotBefore(long when) {
    buffer.retryNotBefore(when);
  }

  /** The ticker reading before which the allocator said no lease can be granted. */
  public long retryNotBefore() {
    return buffer.retryNotBefore();
  }

  public void maxAcquire(long permits) {
    buffer.maxAcquire(permits);
  }

  public long maxAcquire() {
    return buffer.maxAcquire();
  }

  public void close() {
    buffer.close();
  }
}

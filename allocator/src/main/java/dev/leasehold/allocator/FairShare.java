package dev.leasehold.allocator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Divides a resource between the clients that want it, by the resource's
 * {@link AllocationPolicy}. The pool divided is what the limits allow over two lease lifetimes
 * (one lease being spent, one prefetched); each active client may hold at most its share of it.
 *
 * <p>A client's demand is what it asks for, but never more than twice what it really spent of
 * its recent leases (once it has returned any), so a client that claims more than it spends gets
 * less next time. Shares are recomputed every few milliseconds and when a client appears, not
 * on every grant, so a request costs O(1) however large the fleet. Not thread-safe: owned
 * by a {@link ResourceLedger}.
 */
final class FairShare {
  private static final long RECOMPUTE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final ResourceConfig config;
  private final long pool;
  private final long activeNanos;
  private final Map<String, ClientDemand> clients = new HashMap<>();
  private long computedAt = Long.MIN_VALUE;
  private boolean changed = true;

  private static final class ClientDemand {
    final double weight;
    long lastSeen;
    long wanted;
    long outstanding;
    double spentPerLease = -1;
    long share;

    ClientDemand(double weight) {
      this.weight = weight;
    }

    /** Permits over two lease lifetimes this client is believed to want. */
    long demand() {
      long claimed = 2 * wanted;
      return spentPerLease < 0 ? claimed
          : Math.min(claimed, Math.max(2, (long) Math.ceil(4 * spentPerLease)));
    }
  }

  FairShare(ResourceConfig config, long ttlNanos) {
    this.config = config;
    long perTtl = Long.MAX_VALUE;
    for (Limit limit : config.limits()) {
      perTtl = Math.min(perTtl, Math.max(1, limit.permits() * ttlNanos / limit.windowNanos()));
    }
    this.pool = Math.max(2 * perTtl, config.maxLeasePermits());
    this.activeNanos = 2 * ttlNanos;
  }

  void saw(String clientId, long wanted, long now) {
    ClientDemand d = clients.get(clientId);
    if (d == null) {
      d = new ClientDemand(config.weightOf(clientId));
      clients.put(clientId, d);
      changed = true;
    }
    d.lastSeen = now;
    d.wanted = wanted;
  }

  /** Permits {@code clientId} may still take, never less than it must to make progress alone. */
  long room(String clientId, long need, long now) {
    if (changed || now - computedAt > RECOMPUTE_NANOS) {
      recompute(now);
    }
    ClientDemand self = clients.get(clientId);
    return Math.max(need, self.share) - self.outstanding;
  }

  private void recompute(long now) {
    List<ClientDemand> active = new ArrayList<>();
    for (ClientDemand d : clients.values()) {
      d.share = 0;
      if (d.outstanding > 0 || (d.wanted > 0 && now - d.lastSeen <= activeNanos)) {
        active.add(d);
      }
    }
    if (config.policy() == AllocationPolicy.PROPORTIONAL) {
      proportional(active);
    } else {
      waterFill(active, config.policy() == AllocationPolicy.WEIGHTED);
    }
    computedAt = now;
    changed = false;
  }

  /** Max-min fairness: raise every unmet client's level together until the pool runs out. */
  private void waterFill(List<ClientDemand> active, boolean weighted) {
    active.sort((a, b) -> Double.compare(
        a.demand() / weightOf(a, weighted), b.demand() / weightOf(b, weighted)));
    double left = pool;
    double weights = 0;
    for (ClientDemand d : active) {
      weights += weightOf(d, weighted);
    }
    for (ClientDemand d : active) {
      double w = weightOf(d, weighted);
      double fair = left * w / weights;
      double got = Math.min(d.demand(), fair);
      d.share = (long) Math.ceil(got);
      left -= got;
      weights -= w;
    }
  }

  private static double weightOf(ClientDemand d, boolean weighted) {
    return weighted ? d.weight : 1;
  }

  private void proportional(List<ClientDemand> active) {
    double total = 0;
    for (ClientDemand d : active) {
      total += d.demand();
    }
    for (ClientDemand d : active) {
      double got = total <= pool ? d.demand() : pool * d.demand() / total;
      d.share = (long) Math.ceil(got);
    }
  }

  boolean hasDemand(long now) {
    for (ClientDemand d : clients.values()) {
      if (d.wanted > 0 && now - d.lastSeen <= activeNanos) {
        return true;
      }
    }
    return false;
  }

  void granted(String clientId, long permits) {
    clients.get(clientId).outstanding += permits;
  }

  /** A lease of {@code permits} ended with {@code used} spent. */
  void released(String clientId, long permits, long used) {
    ClientDemand d = clients.get(clientId);
    if (d != null) {
      d.outstanding -= permits;
      d.spentPerLease = d.spentPerLease < 0 ? used : 0.5 * d.spentPerLease + 0.5 * used;
    }
  }

  void forgetIdle(long now) {
    for (Iterator<ClientDemand> it = clients.values().iterator(); it.hasNext(); ) {
      ClientDemand d = it.next();
      if (d.outstanding <= 0 && now - d.lastSeen > 10 * activeNanos) {
        it.remove();
        changed = true;
      }
    }
  }
}

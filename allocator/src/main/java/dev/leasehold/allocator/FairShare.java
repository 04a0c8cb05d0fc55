package dev.leasehold.allocator;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Divides a resource between the clients that want it, so that no client hoards while another
 * starves: each active client may hold at most an equal part of what the limits allow over two
 * lease lifetimes (one lease being spent, one prefetched). Not thread-safe: owned by a
 * {@link ResourceLedger}.
 */
final class FairShare {
  private final long perTwoLeases;
  private final long activeNanos;
  private final Map<String, ClientDemand> clients = new HashMap<>();

  private static final class ClientDemand {
    long lastSeen;
    long wanted;
    long outstanding;
  }

  FairShare(ResourceConfig config, long ttlNanos) {
    long perTtl = Long.MAX_VALUE;
    for (Limit limit : config.limits()) {
      perTtl = Math.min(perTtl, Math.max(1, limit.permits() * ttlNanos / limit.windowNanos()));
    }
    this.perTwoLeases = Math.max(2 * perTtl, config.maxLeasePermits());
    this.activeNanos = 2 * ttlNanos;
  }

  void saw(String clientId, long wanted, long now) {
    ClientDemand d = clients.computeIfAbsent(clientId, id -> new ClientDemand());
    d.lastSeen = now;
    d.wanted = wanted;
  }

  /** Permits {@code clientId} may still take, never less than it must to make progress alone. */
  long room(String clientId, long need, long now) {
    int active = 0;
    for (ClientDemand d : clients.values()) {
      if (d.outstanding > 0 || (d.wanted > 0 && now - d.lastSeen <= activeNanos)) {
        active++;
      }
    }
    long share = Math.max(need, (perTwoLeases + active - 1) / Math.max(1, active));
    ClientDemand self = clients.get(clientId);
    return share - self.outstanding;
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

  void released(String clientId, long permits) {
    ClientDemand d = clients.get(clientId);
    if (d != null) {
      d.outstanding -= permits;
    }
  }

  void forgetIdle(long now) {
    for (Iterator<ClientDemand> it = clients.values().iterator(); it.hasNext(); ) {
      ClientDemand d = it.next();
      if (d.outstanding <= 0 && now - d.lastSeen > 10 * activeNanos) {
        it.remove();
      }
    }
  }
}

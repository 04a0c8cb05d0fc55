package dev.leasehold.allocator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Divides a resource between the clients that want it, by the resource's
 * {@link AllocationPolicy}. Two rules decide whether a client may take a lease:
 * <ul>
 *   <li><b>Order.</b> Each client carries the permits granted to it recently (a sum that decays
 *       over the shortest window), divided by its weight — 1 for fair share, its configured
 *       weight for weighted, its demand for proportional. While other clients are waiting for
 *       permits (they were refused recently), a client more than a lease ahead of the lowest of
 *       them waits its turn. This is weighted fair queueing over the freed budget.
 *   <li><b>Holding.</b> The permits a client holds stay within its share (max-min over the
 *       believed demands) of what the limits allow over two lease lifetimes, so no client
 *       hoards.
 * </ul>
 * A client's reported demand is believed in proportion to how much of its leases it really
 * spends (fully at half or more), so a client that claims more than it spends gets less.
 *
 * <p>Shares and the order's lowest level are recomputed every few milliseconds and when a client
 * appears, not on every grant, so a request costs O(1) however large the fleet. Not
 * thread-safe: owned by a {@link ResourceLedger}.
 */
final class FairShare {
  private static final long RECOMPUTE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  private static final long MIN_RECOMPUTE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final int SMALL_FLEET = 256;
  /** Clients idle this long are forgotten; long, so a large fleet does not churn. */
  private static final long FORGET_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final ResourceConfig config;
  /** Permits per second the tightest limit allows. */
  private final double rate;
  /** Permits the limits allow over two lease lifetimes: the most all clients may hold. */
  private final long holdPool;
  private final double windowNanos;
  private final double ttlNanos;
  private final long activeNanos;
  private final Map<String, ClientDemand> clients = new HashMap<>();
  private long computedAt = Long.MIN_VALUE;
  private boolean changed = true;
  /** The lowest order level among clients refused recently, at {@code computedAt}. */
  private double lowestWaiting = Double.MAX_VALUE;
  private ClientDemand lowestWaiter;

  private static final class ClientDemand {
    final double weight;
    long lastSeen;
    long wanted;
    long outstanding;
    /** Share of its leases the client spent, smoothed; 1 until it returns one. */
    double spentRatio = 1;
    /** Permits granted recently: decays with a time constant of the shortest window. */
    double recent;
    long recentAt;
    long deniedAt = Long.MIN_VALUE;
    double fraction;
    double orderWeight = 1;

    ClientDemand(double weight, long now) {
      this.weight = weight;
      this.recentAt = now;
      this.lastSeen = now;
    }

    double recentAt(long now, double windowNanos) {
      return recent * Math.exp(-(now - recentAt) / windowNanos);
    }
  }

  FairShare(ResourceConfig config, long ttlNanos) {
    this.config = config;
    double tightest = Double.MAX_VALUE;
    long perTtl = Long.MAX_VALUE;
    for (Limit limit : config.limits()) {
      tightest = Math.min(tightest, limit.permits() * 1e9 / limit.windowNanos());
      // In floating point: permits × ttl in nanoseconds overflows a long for large limits.
      perTtl = Math.min(perTtl,
          Math.max(1, (long) (limit.permits() * (double) ttlNanos / limit.windowNanos())));
    }
    this.rate = tightest;
    this.holdPool = Math.max(2 * perTtl, config.maxLeasePermits());
    this.windowNanos = config.limits().get(0).windowNanos();
    this.ttlNanos = ttlNanos;
    this.activeNanos = 2 * ttlNanos;
  }

  void saw(String clientId, long wanted, long now) {
    ClientDemand d = clients.get(clientId);
    if (d == null) {
      // Until the next recompute (within milliseconds) it holds an equal part: O(1) per
      // newcomer, however large the fleet.
      d = new ClientDemand(config.weightOf(clientId), now);
      clients.put(clientId, d);
      d.fraction = 1.0 / clients.size();
      changed = true;
    }
    // A request that only returns leases says nothing about demand: keep the last one.
    if (wanted > 0) {
      d.lastSeen = now;
      d.wanted = wanted;
    }
  }

  /** Permits {@code clientId} may take now; at least {@code need} when it holds nothing. */
  long room(String clientId, long need, long now) {
    long age = now - computedAt;
    // A change (a newcomer, a client starting to wait) is taken in at once in a small fleet;
    // in a large one at most every millisecond, so each grant stays cheap.
    if (age > RECOMPUTE_NANOS
        || (changed && (clients.size() <= SMALL_FLEET || age > MIN_RECOMPUTE_NANOS))) {
      recompute(now);
    }
    ClientDemand self = clients.get(clientId);
    long byHolding = Math.max(need, (long) Math.ceil(self.fraction * holdPool)) - self.outstanding;
    // Levels decay alike, so comparing at the recompute instant keeps the order.
    double mine = self.recentAt(computedAt, windowNanos) / self.orderWeight;
    double turn = lowestWaiting + config.maxLeasePermits() / self.orderWeight;
    if (mine > turn && lowestWaiter != self) {
      return 0;
    }
    return byHolding;
  }

  /** A client wanted permits and got none. */
  void denied(String clientId, long now) {
    ClientDemand d = clients.get(clientId);
    if (d != null) {
      if (d.deniedAt == Long.MIN_VALUE || now - d.deniedAt > activeNanos) {
        changed = true;
      }
      d.deniedAt = now;
    }
  }

  private void recompute(long now) {
    List<ClientDemand> active = new ArrayList<>();
    for (ClientDemand d : clients.values()) {
      d.fraction = 0;
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
    lowestWaiting = Double.MAX_VALUE;
    lowestWaiter = null;
    for (ClientDemand d : active) {
      d.orderWeight = orderWeight(d);
      if (d.deniedAt != Long.MIN_VALUE && now - d.deniedAt <= activeNanos) {
        double level = d.recentAt(now, windowNanos) / d.orderWeight;
        if (level < lowestWaiting) {
          lowestWaiting = level;
          lowestWaiter = d;
        }
      }
    }
  }

  private double orderWeight(ClientDemand d) {
    switch (config.policy()) {
      case WEIGHTED:
        return d.weight;
      case PROPORTIONAL:
        return Math.max(1e-3, demand(d));
      default:
        return 1;
    }
  }

  /** Believed demand as a fraction of the resource's rate. */
  private double demand(ClientDemand d) {
    double claimed = d.wanted * 1e9 / ttlNanos / rate;
    return claimed * Math.min(1, 2 * d.spentRatio);
  }

  /** Max-min fairness: raise every unmet client's level together until the rate runs out. */
  private void waterFill(List<ClientDemand> active, boolean weighted) {
    active.sort((a, b) -> Double.compare(
        demand(a) / weightOf(a, weighted), demand(b) / weightOf(b, weighted)));
    double left = 1;
    double weights = 0;
    for (ClientDemand d : active) {
      weights += weightOf(d, weighted);
    }
    for (ClientDemand d : active) {
      double w = weightOf(d, weighted);
      d.fraction = Math.min(demand(d), left * w / weights);
      left -= d.fraction;
      weights -= w;
    }
    // Whatever no one asked for goes to everyone alike, so a demand that grows is not held back
    // by an estimate from a moment ago.
    spread(active, left);
  }

  private static double weightOf(ClientDemand d, boolean weighted) {
    return weighted ? d.weight : 1;
  }

  private void proportional(List<ClientDemand> active) {
    double total = 0;
    for (ClientDemand d : active) {
      total += demand(d);
    }
    double scale = total <= 1 ? 1 : 1 / total;
    double left = 1;
    for (ClientDemand d : active) {
      d.fraction = demand(d) * scale;
      left -= d.fraction;
    }
    spread(active, left);
  }

  private static void spread(List<ClientDemand> active, double left) {
    if (left > 1e-9 && !active.isEmpty()) {
      for (ClientDemand d : active) {
        d.fraction += left / active.size();
      }
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

  void granted(String clientId, long permits, long now) {
    ClientDemand d = clients.get(clientId);
    d.outstanding += permits;
    d.recent = d.recentAt(now, windowNanos) + permits;
    d.recentAt = now;
    // Served: it no longer waits, and if it was the one others yield to, they stop yielding.
    d.deniedAt = Long.MIN_VALUE;
    if (d == lowestWaiter) {
      changed = true;
    }
  }

  /** A lease of {@code permits} ended with {@code used} spent. */
  void released(String clientId, long permits, long used) {
    ClientDemand d = clients.get(clientId);
    if (d != null) {
      d.outstanding -= permits;
      d.spentRatio = 0.5 * d.spentRatio + 0.5 * used / (double) permits;
    }
  }

  void forgetIdle(long now) {
    for (Iterator<ClientDemand> it = clients.values().iterator(); it.hasNext(); ) {
      ClientDemand d = it.next();
      if (d.outstanding <= 0 && now - d.lastSeen > Math.max(10 * activeNanos, FORGET_NANOS)
          && d.recentAt(now, windowNanos) < 1) {
        it.remove();
        changed = true;
      }
    }
  }
}

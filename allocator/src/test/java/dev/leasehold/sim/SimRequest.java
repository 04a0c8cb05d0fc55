package dev.leasehold.sim;

import dev.leasehold.client.SimBufferBridge;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A client's lease request for the simulated resource, as the protocol carries it. */
record SimRequest(long seq, String clientId, long wanted, long minPermits,
    List<Ret> returns) {

  /** A return as the protocol carries it: {@code closedAgoMillis} on the client's clock. */
  record Ret(String leaseId, long used, long closedAgoMillis) {
    @Override
    public String toString() {
      return leaseId + ":" + used + "@-" + closedAgoMillis + "ms";
    }
  }

  /** As {@code LeaseFetcher.nextRequest}: "ago" rounded down, a later end being the safe side. */
  static List<Ret> returns(List<SimBufferBridge.Return> returns, long now) {
    return returns.stream().map(r -> new Ret(r.leaseId(), r.used(),
        Math.max(0, TimeUnit.NANOSECONDS.toMillis(now - r.closedAt())))).toList();
  }

  @Override
  public String toString() {
    return clientId + "#" + seq + " want=" + wanted + " min=" + minPermits + " returns=" + returns;
  }
}

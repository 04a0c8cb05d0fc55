package dev.leasehold.sim;

import dev.leasehold.client.SimBufferBridge;
import dev.leasehold.proto.v1.LeaseReturn;
import java.util.List;

/** A client's lease request for the simulated resource, as the protocol carries it. */
record SimRequest(long seq, String clientId, long wanted, long minPermits,
    List<LeaseReturn> returns) {

  /** As the client sends them at {@code now}, through the client's own conversion. */
  static List<LeaseReturn> returns(List<SimBufferBridge.Return> returns, long now) {
    return returns.stream().map(r -> r.toWire(now)).toList();
  }

  @Override
  public String toString() {
    return clientId + "#" + seq + " want=" + wanted + " min=" + minPermits + " returns="
        + returns.stream().map(SimRequest::describe).toList();
  }

  private static String describe(LeaseReturn r) {
    return r.getLeaseId() + ":" + r.getUsed() + "@-" + r.getClosedAgoMs() + "ms"
        + r.getSpendsList().stream().map(b -> " " + b.getPermits() + "@-" + b.getAgoMs() + "ms")
            .reduce("", String::concat);
  }
}

package dev.leasehold.allocator;

import dev.leasehold.client.Ticker;
import dev.leasehold.proto.v1.Lease;
import dev.leasehold.proto.v1.LeaseRequest;
import dev.leasehold.proto.v1.LeaseResponse;
import dev.leasehold.proto.v1.LeaseReturn;
import dev.leasehold.proto.v1.LeaseServiceGrpc;
import dev.leasehold.proto.v1.LeaderInfo;
import dev.leasehold.proto.v1.NotLeader;
import dev.leasehold.proto.v1.ResourceGrant;
import dev.leasehold.proto.v1.ResourceRequest;
import dev.leasehold.proto.v1.SpendBucket;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The gRPC face of the allocator: validates each request, answers "not leader" when this
 * replica does not lead, and otherwise applies returns and grants leases from the ledgers.
 */
final class LeaseServiceImpl extends LeaseServiceGrpc.LeaseServiceImplBase {
  private static final int MAX_CLIENT_ID = 128;
  private static final long MAX_HOLD_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final long DEADLINE_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Queue<Waiter> waiters = new ConcurrentLinkedQueue<>();

  private final Map<String, ResourceConfig> resources;
  private final Map<String, ResourceGrant> grantTemplates;
  private final Supplier<LeaderTerm> term;
  private final Supplier<LeaderInfo> knownLeader;
  private final Consumer<String> demandOutran;
  private final Ticker ticker;

  LeaseServiceImpl(Map<String, ResourceConfig> resources, Supplier<LeaderTerm> term,
      Supplier<LeaderInfo> knownLeader, Consumer<String> demandOutran, Ticker ticker) {
    this.resources = resources;
    this.grantTemplates = grantTemplates(resources);
    this.term = term;
    this.knownLeader = knownLeader;
    this.demandOutran = demandOutran;
    this.ticker = ticker;
  }

  @Override
  public void lease(LeaseRequest request, StreamObserver<LeaseResponse> out) {
    String invalid = validate(request);
    if (invalid != null) {
      Status status = invalid.startsWith("resource '") ? Status.NOT_FOUND : Status.INVALID_ARGUMENT;
      out.onError(status.withDescription(invalid).asRuntimeException());
      return;
    }
    LeaderTerm current = term.get();
    if (current == null) {
      respond(out, notLeader());
      return;
    }
    try {
      for (ResourceRequest r : request.getResourcesList()) {
        for (LeaseReturn ret : r.getReturnsList()) {
          current.ledgers.get(r.getResource()).checkReturn(ret.getLeaseId(), ret.getUsed());
        }
      }
    } catch (IllegalArgumentException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    long receivedAt = ticker.read();
    LeaseResponse response = serve(current, request, receivedAt);
    long holdFor = holdNanos(request, response, current);
    if (holdFor > 0) {
      waiters.add(new Waiter(withoutReturns(request), out, receivedAt, receivedAt + holdFor));
    } else {
      respond(out, response);
    }
    if (request.getResourcesList().stream().anyMatch(r -> r.getReturnsCount() > 0)) {
      serveWaiters();
    }
  }

  // ---------------------------------------------------------------- waiting requests

  /**
   * A request that got nothing and waits here for budget to free, rather than making its client
   * ask again and again: what keeps round trips near one per lease when demand exceeds the
   * limit.
   */
  private record Waiter(LeaseRequest request, StreamObserver<LeaseResponse> out,
      long receivedAt, long until) {}

  /**
   * How long to hold a request that got nothing: not when it wanted nothing or the allocator
   * knows nothing can come soon (the client should hear that at once, to fail fast), and never
   * longer than half the shortest lease ttl of its resources or its gRPC deadline allows.
   */
  private long holdNanos(LeaseRequest request, LeaseResponse response, LeaderTerm current) {
    long hold = MAX_HOLD_NANOS;
    boolean wanted = false;
    for (int i = 0; i < request.getResourcesCount(); i++) {
      ResourceRequest r = request.getResources(i);
      ResourceGrant g = response.getGrants(i);
      if (g.hasLease()) {
        return 0;
      }
      wanted |= r.getWanted() > 0;
      long ttl = current.ledgers.get(r.getResource()).config().leaseTtl().toNanos();
      hold = Math.min(hold, ttl / 2);
      if (TimeUnit.MILLISECONDS.toNanos(g.getRetryAfterMs()) > hold) {
        return 0;
      }
    }
    Deadline deadline = Context.current().getDeadline();
    if (deadline != null) {
      hold = Math.min(hold, deadline.timeRemaining(TimeUnit.NANOSECONDS) - DEADLINE_SLACK_NANOS);
    }
    return wanted ? Math.max(0, hold) : 0;
  }

  private static LeaseRequest withoutReturns(LeaseRequest request) {
    LeaseRequest.Builder b = request.toBuilder();
    for (ResourceRequest.Builder r : b.getResourcesBuilderList()) {
      r.clearReturns();
    }
    return b.build();
  }

  /**
   * Tries the waiting requests again, oldest first; answers those that got a lease, whose time
   * is up, or whose allocator stopped leading. Called on every upkeep tick and after returns.
   */
  void serveWaiters() {
    for (Waiter w : waiters) {
      LeaderTerm current = term.get();
      long now = ticker.read();
      LeaseResponse response = current == null ? notLeader() : serve(current, w.request(),
          w.receivedAt());
      boolean granted = response.getGrantsList().stream().anyMatch(ResourceGrant::hasLease);
      if ((current == null || granted || now - w.until() >= 0) && waiters.remove(w)) {
        respond(w.out(), response);
      }
    }
  }

  private static void respond(StreamObserver<LeaseResponse> out, LeaseResponse response) {
    try {
      out.onNext(response);
      out.onCompleted();
    } catch (RuntimeException e) {
      // The client gave up (deadline, cancel): its leases, if any, are charged until they end.
    }
  }

  private LeaseResponse notLeader() {
    LeaderInfo leader = knownLeader.get();
    return LeaseResponse.newBuilder().setNotLeader(NotLeader.newBuilder()
        .setLeaderEndpoint(leader.getEndpoint()).setLeaderEpoch(leader.getEpoch())).build();
  }

  private LeaseResponse serve(LeaderTerm current, LeaseRequest request, long receivedAt) {
    LeaseResponse.Builder response = LeaseResponse.newBuilder().setEpoch(current.epoch);
    for (ResourceRequest r : request.getResourcesList()) {
      ResourceLedger ledger = current.ledgers.get(r.getResource());
      long now = ticker.read();
      for (LeaseReturn ret : r.getReturnsList()) {
        ledger.returnLease(ret, now);
      }
      Grant grant = ledger.grant(request.getClientId(), r.getWanted(), r.getMinPermits(),
          receivedAt, now);
      ResourceGrant.Builder g = grantTemplates.get(r.getResource()).toBuilder()
          .setRetryAfterMs(grant.retryAfterMillis());
      if (grant.lease() != null) {
        g.setLease(Lease.newBuilder().setLeaseId(grant.lease().id()).setResource(r.getResource())
            .setPermits(grant.lease().permits()).setTtlMs(grant.ttlMillis())
            .setEpoch(current.epoch));
      } else if (r.getWanted() > 0) {
        demandOutran.accept(r.getResource());
      }
      response.addGrants(g);
    }
    return response.build();
  }

  /**
   * What every answer for a resource carries, built once rather than per request: its name,
   * limits and fallback.
   */
  private static Map<String, ResourceGrant> grantTemplates(Map<String, ResourceConfig> resources) {
    Map<String, ResourceGrant> templates = new HashMap<>();
    for (ResourceConfig config : resources.values()) {
      ResourceGrant.Builder g = ResourceGrant.newBuilder().setResource(config.name());
      config.limits().forEach(limit -> g.addLimits(toProto(limit)));
      config.fallback().localLimit().ifPresent(limit -> g.setFallbackLimit(toProto(limit)));
      templates.put(config.name(), g.build());
    }
    return Map.copyOf(templates);
  }

  private static dev.leasehold.proto.v1.Limit toProto(Limit limit) {
    return dev.leasehold.proto.v1.Limit.newBuilder().setPermits(limit.permits())
        .setWindowMs(limit.window().toMillis()).build();
  }

  /** Returns what is wrong with the request, naming the field, or null when it is valid. */
  private String validate(LeaseRequest request) {
    String id = request.getClientId();
    if (id.isEmpty() || id.length() > MAX_CLIENT_ID || !id.chars().allMatch(c -> c > 32 && c < 127)) {
      return "client_id must be 1-" + MAX_CLIENT_ID + " printable ASCII characters without spaces,"
          + " got '" + id + "'";
    }
    if (request.getResourcesCount() == 0) {
      return "resources must name at least one resource";
    }
    Set<String> seen = new HashSet<>();
    List<ResourceRequest> all = request.getResourcesList();
    for (int i = 0; i < all.size(); i++) {
      String problem = validate(all.get(i), "resources[" + i + "]", seen);
      if (problem != null) {
        return problem;
      }
    }
    return null;
  }

  private String validate(ResourceRequest r, String field, Set<String> seen) {
    ResourceConfig config = resources.get(r.getResource());
    if (config == null) {
      return "resource '" + r.getResource() + "' is not configured on the allocator; known: "
          + resources.keySet();
    }
    if (!seen.add(r.getResource())) {
      return field + ".resource '" + r.getResource() + "' appears twice in one request";
    }
    if (r.getWanted() < 0) {
      return field + ".wanted must be >= 0, got " + r.getWanted();
    }
    if (r.getMinPermits() < 0 || r.getMinPermits() > config.maxAcquirePermits()) {
      return field + ".min_permits must be between 0 and the tightest limit of '"
          + r.getResource() + "' (" + config.maxAcquirePermits() + "), got " + r.getMinPermits();
    }
    for (int j = 0; j < r.getReturnsCount(); j++) {
      LeaseReturn ret = r.getReturns(j);
      if (ret.getLeaseId().isEmpty()) {
        return field + ".returns[" + j + "].lease_id must not be empty";
      }
      if (ret.getUsed() < 0) {
        return field + ".returns[" + j + "].used must be >= 0, got " + ret.getUsed();
      }
      if (ret.getClosedAgoMs() < 0) {
        return field + ".returns[" + j + "].closed_ago_ms must be >= 0, got "
            + ret.getClosedAgoMs();
      }
      long bucketed = 0;
      for (int k = 0; k < ret.getSpendsCount(); k++) {
        SpendBucket b = ret.getSpends(k);
        if (b.getPermits() < 0 || b.getAgoMs() < 0) {
          return field + ".returns[" + j + "].spends[" + k + "] must have permits and ago_ms"
              + " >= 0, got " + b.getPermits() + " and " + b.getAgoMs();
        }
        bucketed += b.getPermits();
      }
      if (bucketed > ret.getUsed()) {
        return field + ".returns[" + j + "].spends add up to " + bucketed + ", more than used ("
            + ret.getUsed() + ")";
      }
    }
    return null;
  }
}

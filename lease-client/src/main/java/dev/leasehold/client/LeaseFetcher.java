package dev.leasehold.client;

import dev.leasehold.proto.v1.LeaseRequest;
import dev.leasehold.proto.v1.LeaseResponse;
import dev.leasehold.proto.v1.LeaseReturn;
import dev.leasehold.proto.v1.LeaseServiceGrpc;
import dev.leasehold.proto.v1.Limit;
import dev.leasehold.proto.v1.ResourceGrant;
import dev.leasehold.proto.v1.ResourceRequest;
import dev.leasehold.proto.v1.SpendBucket;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's one background thread: it asks the allocator leader for leases when a
 * {@link LeaseBuffer} runs low, hands back spent and expired leases, follows leader changes, and
 * wakes waiters when leases arrive. One request carries every resource of the client.
 */
final class LeaseFetcher implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(LeaseholdClient.class);
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long RETURN_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final String clientId;
  private final Ticker ticker;
  private final LeaderWatcher leaders;
  private final long requestTimeoutMillis;
  private final Map<String, ResourceLimiter> limiters = new ConcurrentHashMap<>();
  /** Returns not yet acknowledged by a leader, per resource; fetcher thread only. */
  private final Map<String, List<LeaseBuffer.Returned>> unacked = new HashMap<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile String endpointHint = "";

  private ManagedChannel channel;
  private String channelEndpoint = "";
  private long rttNanos = TimeUnit.MILLISECONDS.toNanos(2);
  private long backoffNanos;
  /** No request before this ticker reading (backoff); volatile: a leader change resets it. */
  private volatile long retryAt;
  private boolean unreachable;
  private final long fallbackAfterNanos;
  private long lastAnswerAt;

  LeaseFetcher(String clientId, Ticker ticker, LeaderWatcher leaders, long requestTimeoutMillis,
      long fallbackAfterMillis) {
    this.clientId = clientId;
    this.ticker = ticker;
    this.leaders = leaders;
    this.requestTimeoutMillis = requestTimeoutMillis;
    this.fallbackAfterNanos = TimeUnit.MILLISECONDS.toNanos(fallbackAfterMillis);
    this.lastAnswerAt = ticker.read();
    this.retryAt = lastAnswerAt;
    this.thread = new Thread(this, "leasehold-fetcher-" + clientId);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  void register(ResourceLimiter limiter) {
    limiters.put(limiter.resource(), limiter);
    wake();
  }

  void wake() {
    LockSupport.unpark(thread);
  }

  @Override
  public void run() {
    while (running) {
      long now = ticker.read();
      if (now - retryAt < 0) {
        // Backing off: wake-ups from waiting acquires must not turn into a request storm.
        LockSupport.parkNanos(this, retryAt - now);
        continue;
      }
      try {
        LeaseRequest request = nextRequest(now, false);
        if (request == null) {
          LockSupport.parkNanos(this, TICK_NANOS);
        } else if (!exchange(request)) {
          retryAt = ticker.read() + backoffNanos;
        }
      } catch (RuntimeException e) {
        log.warn("lease fetcher error; retrying in {} ms: {}",
            TimeUnit.NANOSECONDS.toMillis(MAX_BACKOFF_NANOS), e.toString());
        retryAt = ticker.read() + MAX_BACKOFF_NANOS;
      }
    }
  }

  /** Builds the request for every resource that wants a lease or has leases to return. */
  private LeaseRequest nextRequest(long now, boolean closing) {
    long lead = 2 * rttNanos + 2 * TICK_NANOS;
    LeaseRequest.Builder request = LeaseRequest.newBuilder().setClientId(clientId);
    boolean wantsAny = closing;
    long oldestReturn = now;
    for (ResourceLimiter limiter : limiters.values()) {
      LeaseBuffer buffer = limiter.buffer();
      List<LeaseBuffer.Returned> returns =
          unacked.computeIfAbsent(limiter.resource(), r -> new ArrayList<>());
      buffer.collectReturns(now, closing, returns);
      long wanted = closing ? 0 : buffer.demand(now, lead);
      if (wanted == 0 && returns.isEmpty()) {
        continue;
      }
      wantsAny |= wanted > 0;
      for (LeaseBuffer.Returned ret : returns) {
        oldestReturn = Math.min(oldestReturn, ret.closedAt());
      }
      ResourceRequest.Builder r = ResourceRequest.newBuilder().setResource(limiter.resource())
          .setWanted(wanted).setMinPermits(Math.min(buffer.minPermits(), buffer.maxAcquire()));
      for (LeaseBuffer.Returned ret : returns) {
        r.addReturns(toProto(ret, now));
      }
      request.addResources(r);
    }
    // Returns alone may wait a little to ride with the next lease request: they say when their
    // permits were spent, so the wait costs the accounting nothing, and saves a round trip.
    if (!wantsAny && now - oldestReturn < RETURN_DELAY_NANOS) {
      return null;
    }
    return request.getResourcesCount() == 0 ? null : request.build();
  }

  /**
   * A return as sent at {@code now}. Every "ago" is rounded down: a shorter ago means a later
   * end, the safe side. When a refund put back permits that were seen spent, the buckets add
   * up to more than {@code used}; then {@code used} is counted from the newest buckets back,
   * so that the permits left out are the earliest: again the safe side.
   */
  static LeaseReturn toProto(LeaseBuffer.Returned ret, long now) {
    LeaseReturn.Builder b = LeaseReturn.newBuilder().setLeaseId(ret.leaseId())
        .setUsed(ret.used()).setClosedAgoMs(agoMillis(ret.closedAt(), now));
    long left = ret.used();
    long[][] spends = ret.spends();
    for (int i = spends.length - 1; i >= 0; i--) {
      long[] bucket = spends[i];
      long permits = Math.min(bucket[0], left);
      if (permits > 0) {
        b.addSpends(SpendBucket.newBuilder().setPermits(permits)
            .setAgoMs(agoMillis(bucket[1], now)));
        left -= permits;
      }
    }
    return b.build();
  }

  private static long agoMillis(long at, long now) {
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(now - at));
  }

  /** Sends one request and applies the answer; false when it should be retried after backoff. */
  private boolean exchange(LeaseRequest request) {
    long sentAt = ticker.read();
    LeaseResponse response;
    try {
      response = call(request);
    } catch (StatusRuntimeException e) {
      return failed(e.getStatus(), sentAt);
    }
    if (response == null) {
      return failed(Status.UNAVAILABLE.withDescription("no allocator leader is registered"), sentAt);
    }
    if (response.hasNotLeader()) {
      endpointHint = response.getNotLeader().getLeaderEndpoint();
      return failed(Status.UNAVAILABLE.withDescription("asked a replica that does not lead"),
          sentAt);
    }
    long now = ticker.read();
    lastAnswerAt = now;
    if (unreachable) {
      unreachable = false;
      log.info("allocator answers again at {}", channelEndpoint);
    }
    leaveFallback();
    rttNanos = (rttNanos * 7 + (now - sentAt)) / 8;
    backoffNanos = 0;
    for (ResourceRequest r : request.getResourcesList()) {
      unacked.get(r.getResource()).clear();
      ResourceLimiter limiter = limiters.get(r.getResource());
      if (limiter != null) {
        limiter.buffer().roundTrip();
      }
    }
    for (ResourceGrant grant : response.getGrantsList()) {
      apply(grant, sentAt, now);
    }
    return true;
  }

  private void apply(ResourceGrant grant, long sentAt, long now) {
    ResourceLimiter limiter = limiters.get(grant.getResource());
    if (limiter == null) {
      return;
    }
    LeaseBuffer buffer = limiter.buffer();
    buffer.maxAcquire(tightest(grant.getLimitsList()));
    buffer.fallbackRate(grant.hasFallbackLimit()
        ? grant.getFallbackLimit().getPermits() * 1000.0 / grant.getFallbackLimit().getWindowMs()
        : 0);
    if (grant.hasLease()) {
      long ttl = TimeUnit.MILLISECONDS.toNanos(grant.getLease().getTtlMs());
      // The deadline runs from when the request was sent: never later than the allocator's end.
      buffer.install(new HeldLease(grant.getLease().getLeaseId(), grant.getLease().getPermits(),
          sentAt + ttl, now), ttl);
      buffer.retryNotBefore(now);
      limiter.leaseArrived();
    } else if (grant.getRetryAfterMs() > 0) {
      buffer.retryNotBefore(now + TimeUnit.MILLISECONDS.toNanos(grant.getRetryAfterMs()));
      limiter.leaseArrived();
    }
  }

  static long tightest(List<Limit> limits) {
    long min = Long.MAX_VALUE;
    for (Limit l : limits) {
      min = Math.min(min, l.getPermits());
    }
    return min;
  }

  /** A request went unanswered: back off, and fall back once the allocator is gone too long. */
  private boolean failed(Status status, long sentAt) {
    backOff(status);
    if (sentAt - lastAnswerAt >= fallbackAfterNanos) {
      enterFallback(status);
    }
    return false;
  }

  private void enterFallback(Status status) {
    for (ResourceLimiter limiter : limiters.values()) {
      if (limiter.buffer().startFallback()) {
        log.warn("no allocator answered for {} ms ({}); resource '{}' is limited locally to its"
                + " fallback rate: the fleet-wide guarantee is SUSPENDED until an allocator answers",
            TimeUnit.NANOSECONDS.toMillis(fallbackAfterNanos), status, limiter.resource());
        limiter.leaseArrived();
      }
    }
  }

  private void leaveFallback() {
    for (ResourceLimiter limiter : limiters.values()) {
      if (limiter.buffer().stopFallback()) {
        log.info("allocator answers again; resource '{}' is back on leases", limiter.resource());
      }
    }
  }

  private void backOff(Status status) {
    backoffNanos = backoffNanos == 0
        ? TimeUnit.MILLISECONDS.toNanos(20) : Math.min(MAX_BACKOFF_NANOS, backoffNanos * 2);
    if (backoffNanos >= MAX_BACKOFF_NANOS && !unreachable) {
      // Once per outage, not once per attempt.
      unreachable = true;
      log.warn("allocator unreachable ({}: {}); leases cannot be renewed until it answers;"
          + " retrying every {} ms", status.getCode(), status.getDescription(),
          TimeUnit.NANOSECONDS.toMillis(MAX_BACKOFF_NANOS));
    } else {
      log.debug("lease request failed: {}", status);
    }
  }

  /**
   * Sends {@code request} to the leader; null when no leader is known.
   *
   * @throws StatusRuntimeException as gRPC reports it
   */
  LeaseResponse call(LeaseRequest request) {
    ManagedChannel ch = channel();
    if (ch == null) {
      return null;
    }
    return LeaseServiceGrpc.newBlockingStub(ch)
        .withDeadlineAfter(requestTimeoutMillis, TimeUnit.MILLISECONDS)
        .lease(request);
  }

  /** The channel to the current leader, replaced when the leader moves. */
  private synchronized ManagedChannel channel() {
    String hint = endpointHint;
    String endpoint = hint.isEmpty() ? leaders.leader().getEndpoint() : hint;
    if (endpoint.isEmpty()) {
      return null;
    }
    if (!endpoint.equals(channelEndpoint)) {
      if (channel != null) {
        channel.shutdownNow();
      }
      log.info("following allocator leader at {}", endpoint);
      channel = NettyChannelBuilder.forTarget(endpoint).usePlaintext().build();
      channelEndpoint = endpoint;
    }
    return channel;
  }

  /** Leader changed: try it at once. */
  void leaderChanged() {
    endpointHint = "";
    retryAt = ticker.read();
    wake();
  }

  /** Stops the thread, then returns every held lease to the leader (best effort). */
  void close() {
    running = false;
    wake();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ResourceLimiter limiter : limiters.values()) {
      limiter.close();
    }
    LeaseRequest last = nextRequest(ticker.read(), true);
    if (last != null) {
      try {
        call(last);
      } catch (StatusRuntimeException e) {
        log.debug("could not return leases on close: {}", e.getStatus());
      }
    }
    synchronized (this) {
      if (channel != null) {
        channel.shutdownNow();
      }
    }
  }
}

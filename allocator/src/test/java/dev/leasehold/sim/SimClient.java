package dev.leasehold.sim;

import dev.leasehold.client.SimBufferBridge;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One client process: the real {@code LeaseBuffer} (through {@link SimBufferBridge}), a fetcher
 * that makes the same calls in the same order as {@code LeaseFetcher}, and a worker that
 * acquires permits as its {@link DemandProfile} says and blocks (up to a timeout) when the
 * buffer has none. Every permit the buffer grants is reported to the oracle at true time.
 *
 * <p>The real fetcher polls every 2 ms. Polling only matters when something may have changed,
 * so this one polls exactly then: after each acquire, after each reply, when a held lease
 * reaches its low-water lead and its deadline, and when a retry-after passes. Same calls, far
 * fewer events, which is what lets a CI run afford thousands of seeds.
 */
final class SimClient {
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  private static final long FIRST_BACKOFF = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long MAX_BACKOFF = TimeUnit.SECONDS.toNanos(1);

  private final Simulation sim;
  final SimProcess proc;
  final String id;
  private final DemandProfile demand;
  private final SplittableRandom rng;
  private final SimBufferBridge buffer;

  // Fetcher state, as LeaseFetcher's fields.
  private final List<SimBufferBridge.Return> unacked = new ArrayList<>();
  private long rttNanos = TimeUnit.MILLISECONDS.toNanos(2);
  private long backoffNanos;
  private String endpointHint = "";
  private String leaderSeen = "";
  private SimRequest inFlight;
  private long sentAt;
  private long nextSeq;
  private boolean pollScheduled;
  private boolean closing;

  // Worker state: at most one acquire outstanding.
  private int waitingFor;
  private long attempt;

  private final Fleet fleet;

  SimClient(Simulation sim, SimProcess proc, DemandProfile demand, SplittableRandom rng,
      Fleet fleet) {
    this.sim = sim;
    this.fleet = fleet;
    this.proc = proc;
    this.id = proc.name;
    this.demand = demand;
    this.rng = rng;
    this.buffer = new SimBufferBridge(proc.ticker());
  }

  void start() {
    scheduleArrival();
  }

  /** Dies holding whatever it holds; nothing is returned. */
  void crash() {
    proc.crash();
  }

  /** A new process takes this one's place (and demand) with a new id, after {@code delay}. */
  void restartAs(String newId, long delay) {
    fleet.start(newId, demand, delay);
  }

  /** Leaves cleanly, as {@code LeaseFetcher.close}: returns every lease, best effort. */
  void leave() {
    if (proc.isDown()) {
      return;
    }
    closing = true;
    buffer.close();
    inFlight = null;
    List<SimBufferBridge.Return> returns = new ArrayList<>(unacked);
    buffer.collectReturns(proc.ticker().read(), true, returns);
    if (!returns.isEmpty()) {
      SimAllocator to = target();
      if (to != null) {
        SimRequest last = new SimRequest(nextSeq++, id, 0, 0,
            SimRequest.returns(returns, proc.ticker().read()));
        sim.clientNet().send(to.proc, "request", last, () -> to.onRequest(last, this));
      }
    }
    proc.crash();
  }

  // ---------------------------------------------------------------- worker

  private void scheduleArrival() {
    long now = sim.loop().now();
    double rate = demand.rate(now);
    if (rate <= 0) {
      long next = demand.nextChange(now);
      if (next != Long.MAX_VALUE) {
        proc.after(next - now, "demand-on", null, this::scheduleArrival);
      }
      return;
    }
    long gap = (long) (-Math.log(1 - rng.nextDouble()) / rate * 1e9);
    proc.after(Math.max(1, gap), "acquire", null, this::acquire);
  }

  private void acquire() {
    if (closing) {
      return;
    }
    double roll = rng.nextDouble();
    int permits = (int) Math.min(buffer.maxAcquire(), roll < 0.05 ? 3 : roll < 0.2 ? 2 : 1);
    if (buffer.tryAcquire(permits)) {
      sim.admit(this, permits);
      scheduleArrival();
    } else {
      waitingFor = permits;
      long mine = ++attempt;
      proc.after(sim.acquireTimeoutNanos(), "acquire-timeout", null, () -> {
        if (attempt == mine && waitingFor > 0) {
          waitingFor = 0;
          sim.gaveUp();
          scheduleArrival();
        }
      });
    }
    wake();
  }

  /** A lease arrived: a blocked acquire tries again, as {@code ResourceLimiter.await}. */
  private void leaseArrived() {
    if (waitingFor > 0 && buffer.tryAcquire(waitingFor)) {
      sim.admit(this, waitingFor);
      waitingFor = 0;
      attempt++;
      scheduleArrival();
    }
  }

  // ---------------------------------------------------------------- fetcher

  private void wake() {
    schedulePoll(0);
  }

  private void schedulePoll(long localDelay) {
    if (localDelay == 0 && pollScheduled) {
      return;
    }
    if (localDelay == 0) {
      pollScheduled = true;
    }
    proc.after(localDelay, "poll", null, () -> {
      if (localDelay == 0) {
        pollScheduled = false;
      }
      poll();
    });
  }

  /** One turn of {@code LeaseFetcher.run}: build the request; send it if there is one. */
  private void poll() {
    if (closing || inFlight != null) {
      return;
    }
    long now = proc.ticker().read();
    long lead = 2 * rttNanos + 2 * TICK_NANOS;
    buffer.collectReturns(now, false, unacked);
    long wanted = buffer.demand(now, lead);
    if (wanted == 0 && unacked.isEmpty()) {
      if (waitingFor > 0) {
        // LeaseFetcher would poll every tick until the retry-after passes; skip to it.
        schedulePoll(Math.max(TICK_NANOS, buffer.retryNotBefore() - now));
      }
      return;
    }
    SimAllocator to = target();
    if (to == null) {
      backOff();
      return;
    }
    SimRequest request = new SimRequest(nextSeq++, id, wanted,
        Math.min(buffer.minPermits(), buffer.maxAcquire()), SimRequest.returns(unacked, now));
    inFlight = request;
    sentAt = proc.ticker().read();
    sim.clientNet().send(to.proc, "request", request, () -> to.onRequest(request, this));
    proc.after(sim.requestTimeoutNanos(), "request-timeout", request.seq(), () -> {
      if (inFlight == request) {
        inFlight = null;
        backOff();
      }
    });
  }

  /** The leader to ask: the last redirect's hint, else the published leader znode. */
  private SimAllocator target() {
    String published = sim.publishedLeader();
    if (!published.equals(leaderSeen)) {
      // The leader znode changed: LeaderWatcher would call leaderChanged(), dropping the hint.
      leaderSeen = published;
      endpointHint = "";
    }
    String hint = endpointHint.isEmpty() ? sim.publishedLeader() : endpointHint;
    return hint.isEmpty() ? null : sim.allocator(hint);
  }

  /** A reply arrived; late replies (after the request timed out) are dropped, as gRPC does. */
  void onResponse(SimResponse response) {
    SimRequest request = inFlight;
    if (closing || request == null || response.seq() != request.seq()) {
      return;
    }
    inFlight = null;
    if (response.notLeader()) {
      endpointHint = response.leaderHint();
      backOff();
      return;
    }
    long now = proc.ticker().read();
    rttNanos = (rttNanos * 7 + (now - sentAt)) / 8;
    backoffNanos = 0;
    unacked.clear();
    buffer.maxAcquire(response.maxAcquire());
    if (response.leaseId() != null) {
      long ttl = TimeUnit.MILLISECONDS.toNanos(response.ttlMillis());
      long deadline = sentAt + ttl;
      // The deadline runs from when the request was sent: never later than the allocator's end.
      buffer.install(response.leaseId(), response.permits(), deadline, now, ttl);
      buffer.retryNotBefore(now);
      proc.atReading(deadline - 2 * rttNanos - 2 * TICK_NANOS, "lease-low-water", null,
          this::wake);
      proc.atReading(deadline, "lease-deadline", response.leaseId(), this::wake);
      leaseArrived();
    } else if (response.retryAfterMillis() > 0) {
      buffer.retryNotBefore(now + TimeUnit.MILLISECONDS.toNanos(response.retryAfterMillis()));
    }
    wake();
  }

  private void backOff() {
    backoffNanos = backoffNanos == 0 ? FIRST_BACKOFF : Math.min(MAX_BACKOFF, backoffNanos * 2);
    schedulePoll(backoffNanos);
  }
}

package dev.leasehold.sim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One deterministic run: a group of allocator replicas, a ZooKeeper stand-in and a fleet of
 * clients on virtual time, with the scenario's faults, checked by a {@link WindowOracle} at every
 * admission. A run is a pure function of (scenario, seed); every random choice comes from a
 * stream split off the seed per concern, so removing one fault kind does not reshuffle the
 * network or the demand (which keeps shrinking meaningful).
 */
final class Simulation {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long SESSION_TIMEOUT = 400 * MS;
  private static final long ZK_TIMEOUT = 100 * MS;
  private static final long REQUEST_TIMEOUT = 250 * MS;
  private static final long ACQUIRE_TIMEOUT = 300 * MS;

  private final Scenario scenario;
  private final long seed;
  private final EventLoop loop = new EventLoop();
  private final SimZooKeeper zk;
  private final Network clientNet;
  private final Network zkNet;
  private final SplittableRandom clockRng;
  private final SplittableRandom faultRng;
  private final SplittableRandom demandRng;
  private final WindowOracle oracle;
  private final Map<String, SimAllocator> allocators = new LinkedHashMap<>();
  private final List<SimClient> clients = new ArrayList<>();
  private final long upkeepNanos;
  private String announced;
  private String failure;
  private long failedAt = -1;
  private long gaveUp;
  private long staleGrants;
  private long fencedWrites;

  Simulation(Scenario scenario, long seed) {
    this.scenario = scenario;
    this.seed = seed;
    SplittableRandom root = new SplittableRandom(seed);
    SplittableRandom netRng = root.split();
    SplittableRandom zkRng = root.split();
    this.clockRng = root.split();
    this.faultRng = root.split();
    this.demandRng = root.split();
    boolean chaos = scenario.faults().contains(Fault.MESSAGE_CHAOS);
    this.clientNet = new Network(loop, netRng, MS / 5, 4 * MS, chaos ? 0.03 : 0,
        chaos ? 0.05 : 0, 300 * MS);
    this.zkNet = new Network(loop, zkRng, MS / 3, 3 * MS,
        scenario.faults().contains(Fault.ZK_REPLY_LOSS) ? 0.02 : 0, 0, 0);
    this.zk = scenario.breakage() == Breakage.BLIND_STORE ? new BlindZooKeeper()
        : new SimZooKeeper();
    zk.onEphemeralChange(this::electionChanged);
    this.oracle = new WindowOracle(scenario.config().limits());
    // As AllocatorServer.upkeepPeriodMillis.
    this.upkeepNanos = Math.max(2, Math.min(100, scenario.config().leaseTtl().toMillis() / 5)) * MS;
  }

  /** Runs the whole scenario (or until the first failure) and reports. */
  Outcome run() {
    for (int i = 0; i < scenario.replicas(); i++) {
      SimAllocator a = new SimAllocator(this, new SimProcess("a" + i, loop, newTicker(false)));
      allocators.put(a.name(), a);
      loop.after(i * MS, "start", a.name(), a::start);
    }
    new Fleet(this, demandRng).populate();
    new FaultPlan(this, faultRng).schedule();
    long end = scenario.durationNanos();
    while (failure == null && loop.step(end)) {
      // Each event has run; the oracle has checked every admission it made.
    }
    long[] worst = new long[scenario.config().limits().size()];
    for (int i = 0; i < worst.length; i++) {
      worst[i] = oracle.worst(i);
    }
    long epochs = zk.read(SimZooKeeper.EPOCH).version();
    return new Outcome(scenario, seed, failure, failedAt, loop.executed(), oracle.admitted(),
        oracle.admitted() / scenario.capacity(), worst, epochs, gaveUp, staleGrants, fencedWrites,
        failure == null ? List.of() : loop.trace().lines(60));
  }

  // ---------------------------------------------------------------- services for the processes

  Scenario scenario() {
    return scenario;
  }

  EventLoop loop() {
    return loop;
  }

  SimZooKeeper zk() {
    return zk;
  }

  Network zkNet() {
    return zkNet;
  }

  Network clientNet() {
    return clientNet;
  }

  long sessionTimeout() {
    return SESSION_TIMEOUT;
  }

  long zkTimeoutNanos() {
    return ZK_TIMEOUT;
  }

  long requestTimeoutNanos() {
    return REQUEST_TIMEOUT;
  }

  long acquireTimeoutNanos() {
    return ACQUIRE_TIMEOUT;
  }

  long upkeepNanos() {
    return upkeepNanos;
  }

  Map<String, SimAllocator> allocators() {
    return allocators;
  }

  List<SimClient> clients() {
    return clients;
  }

  SimAllocator allocator(String name) {
    return allocators.get(name);
  }

  /**
   * A fresh clock. Within the bound, rates are uniform in ±(factor × bound); the adverse mode
   * puts every client exactly that slow and every allocator exactly that fast, the direction
   * that makes a client spend past the allocator's end.
   */
  VirtualTicker newTicker(boolean client) {
    double amplitude = scenario.driftFactor() * scenario.driftBound();
    double rate = scenario.adverseDrift() ? (client ? 1 - amplitude : 1 + amplitude)
        : 1 + amplitude * (2 * clockRng.nextDouble() - 1);
    return new VirtualTicker(loop, rate, clockRng.nextLong(1L << 50));
  }

  /** The leader znode's endpoint as the clients' watchers see it; "" when none. */
  String publishedLeader() {
    byte[] data = zk.leader();
    return data == null ? "" : new String(data, StandardCharsets.UTF_8);
  }

  void reply(SimClient to, SimResponse response) {
    clientNet.send(to.proc, "response", response, () -> to.onResponse(response));
  }

  /** A client spent permits; the oracle checks every window that ends now. */
  void admit(SimClient client, int permits) {
    loop.trace().record(loop.now(), client.id, "admit", permits);
    String broken = oracle.admit(loop.now(), permits);
    if (broken != null) {
      fail(broken + "; last by " + client.id);
    }
  }

  void gaveUp() {
    gaveUp++;
  }

  /** A lease was granted in {@code epoch}; counts those granted after a successor was elected. */
  void granted(long epoch) {
    if (epoch < zk.read(SimZooKeeper.EPOCH).version()) {
      staleGrants++;
    }
  }

  void fenced() {
    fencedWrites++;
  }

  void note(String text) {
    loop.trace().note(loop.now(), text);
  }

  void fail(String why) {
    if (failure == null) {
      failure = why;
      failedAt = loop.now();
      note("FAILURE: " + why);
    }
  }

  // ---------------------------------------------------------------- ZooKeeper-side events

  /** The election watcher: tells the owner of the lowest latch znode that it leads. */
  private void electionChanged() {
    String node = zk.electionLeaderNode();
    if (node == null || node.equals(announced)) {
      return;
    }
    announced = node;
    long owner = zk.owner(node);
    for (SimAllocator a : allocators.values()) {
      if (a.session() == owner && !a.proc.isDown()) {
        loop.at(loop.now() + zkNet.delay(), a.proc, a.proc.incarnation(), "elected", node,
            () -> a.onElected(owner));
      }
    }
  }

  /**
   * ZooKeeper expires a session. Its owner hears of it a little later, and a paused owner only
   * some time after it wakes, which is the window in which it still answers from memory.
   */
  void expireSession(long session) {
    zk.expire(session);
    for (SimAllocator a : allocators.values()) {
      if (a.session() == session && !a.proc.isDown()) {
        int incarnation = a.proc.incarnation();
        long extra = faultRng.nextLong(1, 50 * MS);
        loop.after(zkNet.delay(), "session-expiry-seen", a.name(), () -> {
          long at = a.proc.isPaused() ? a.proc.pausedUntil() + extra : loop.now();
          loop.at(at, a.proc, incarnation, "session-expired", session,
              () -> a.onSessionExpired(session));
        });
      }
    }
  }
}

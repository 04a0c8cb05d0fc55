package dev.leasehold.sim;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Draws a run's faults from the scenario's set: about one every 400 ms of simulated time (4 to
 * 12 per run), at random instants in the middle 85% of the run, each aimed where it hurts most
 * (mostly at the replica that believes it leads).
 */
final class FaultPlan {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  /** Faults that are a property of the whole run, not events. */
  private static final Set<Fault> AMBIENT = EnumSet.of(Fault.MESSAGE_CHAOS, Fault.ZK_REPLY_LOSS);

  private final Simulation sim;
  private final SplittableRandom rng;

  FaultPlan(Simulation sim, SplittableRandom rng) {
    this.sim = sim;
    this.rng = rng;
  }

  void schedule() {
    List<Fault> kinds = new ArrayList<>(sim.scenario().faults());
    kinds.removeAll(AMBIENT);
    if (kinds.isEmpty()) {
      return;
    }
    long duration = sim.scenario().durationNanos();
    long count = Math.max(4, Math.min(12, duration / (400 * MS)));
    for (int i = 0; i < count; i++) {
      long at = duration / 20 + rng.nextLong(duration * 85 / 100);
      Fault kind = kinds.get(rng.nextInt(kinds.size()));
      long salt = rng.nextLong();
      sim.loop().after(at, "fault", kind, () -> inject(kind, new SplittableRandom(salt)));
    }
  }

  private void inject(Fault kind, SplittableRandom r) {
    switch (kind) {
      case ALLOCATOR_CRASH -> {
        SimAllocator a = victim(r);
        if (a != null) {
          long down = r.nextLong(20 * MS, 600 * MS);
          sim.note("crash " + a.name() + (a.leading() ? " (leader)" : "") + " for "
              + down / MS + "ms");
          a.crash();
          sim.loop().after(down, "restart", a.name(), a::restart);
        }
      }
      case LEADER_PAUSE -> {
        SimAllocator a = leader();
        if (a != null) {
          long pause = r.nextLong(30 * MS, 900 * MS);
          boolean lostAlready = r.nextBoolean();
          sim.note("pause " + a.name() + " (leader) for " + pause / MS + "ms"
              + (lostAlready ? ", its session expires now" : ""));
          a.proc.pause(pause);
          long session = a.session();
          if (lostAlready) {
            sim.expireSession(session);
          } else if (pause > sim.sessionTimeout()) {
            sim.loop().after(sim.sessionTimeout(), "zk-session-timeout", a.name(),
                () -> sim.expireSession(session));
          }
        }
      }
      case SESSION_EXPIRY -> {
        SimAllocator a = victim(r);
        if (a != null) {
          sim.note("expire the session of " + a.name() + (a.leading() ? " (leader)" : ""));
          sim.expireSession(a.session());
        }
      }
      case ZK_SUSPEND -> {
        SimAllocator a = leader();
        if (a != null) {
          long reconnect = r.nextLong(5 * MS, 100 * MS);
          sim.note("suspend " + a.name() + "'s ZooKeeper connection for " + reconnect / MS + "ms");
          sim.loop().at(sim.loop().now(), a.proc, a.proc.incarnation(), "zk-suspended", null,
              () -> a.onSuspended(reconnect));
        }
      }
      case CLIENT_CRASH, CLIENT_RESTART -> {
        SimClient c = liveClient(r);
        if (c != null) {
          sim.note((kind == Fault.CLIENT_CRASH ? "crash " : "restart ") + c.id
              + " holding its leases");
          c.crash();
          if (kind == Fault.CLIENT_RESTART) {
            c.restartAs(c.id + "." + r.nextInt(1000), r.nextLong(50 * MS, 500 * MS));
          }
        }
      }
      default -> throw new AssertionError(kind);
    }
  }

  private SimAllocator leader() {
    for (SimAllocator a : sim.allocators().values()) {
      if (a.leading() && !a.proc.isDown() && !a.proc.isPaused()) {
        return a;
      }
    }
    return null;
  }

  /** The leader seven times in ten, else any replica that is up. */
  private SimAllocator victim(SplittableRandom r) {
    SimAllocator leader = leader();
    if (leader != null && r.nextInt(10) < 7) {
      return leader;
    }
    List<SimAllocator> up = new ArrayList<>();
    for (SimAllocator a : sim.allocators().values()) {
      if (!a.proc.isDown()) {
        up.add(a);
      }
    }
    return up.isEmpty() ? null : up.get(r.nextInt(up.size()));
  }

  private SimClient liveClient(SplittableRandom r) {
    List<SimClient> all = sim.clients();
    for (int tries = 0; tries < 20; tries++) {
      SimClient c = all.get(r.nextInt(all.size()));
      if (!c.proc.isDown()) {
        return c;
      }
    }
    return null;
  }
}

package dev.leasehold.sim;

import dev.leasehold.allocator.SimLedgerBridge;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One allocator replica, the simulated twin of {@code AllocatorServer}: the same sequence of
 * calls into the real ledger, with ZooKeeper, the network and the threads replaced by events.
 *
 * <p>On election it bumps the epoch, reads the ledger, {@code restore}s it, publishes itself and
 * only then serves. Every upkeep period it ticks the ledger and persists a due write with the
 * fenced {@code multi}; a grant comes only from a block whose write succeeded. A fenced write
 * makes it step down and rejoin the election, as the server does.
 */
final class SimAllocator {
  private final Simulation sim;
  final SimProcess proc;
  private long session = -1;
  private String electionNode;
  /** LeaderLatch's local hasLeadership(): set when told it won, cleared when it learns otherwise. */
  private boolean elected;
  private int generation;
  private Term term;

  /** One leadership: the server's {@code LeaderTerm} for the one simulated resource. */
  private static final class Term {
    final long epoch;
    final SimLedgerBridge ledger;
    int ledgerVersion;
    boolean writing;

    Term(long epoch, SimLedgerBridge ledger, int ledgerVersion) {
      this.epoch = epoch;
      this.ledger = ledger;
      this.ledgerVersion = ledgerVersion;
    }
  }

  SimAllocator(Simulation sim, SimProcess proc) {
    this.sim = sim;
    this.proc = proc;
  }

  String name() {
    return proc.name;
  }

  long session() {
    return session;
  }

  /** Whether it believes it leads (it may be wrong: that is the point of fencing). */
  boolean leading() {
    return term != null;
  }

  // ---------------------------------------------------------------- lifecycle

  void start() {
    session = sim.zk().openSession();
    electionNode = sim.zk().joinElection(session);
    scheduleUpkeep();
  }

  /** Dies: memory lost; ZooKeeper notices only when the session times out. */
  void crash() {
    long lost = session;
    proc.crash();
    term = null;
    elected = false;
    sim.loop().after(sim.sessionTimeout(), "zk-session-timeout", name(),
        () -> sim.expireSession(lost));
  }

  void restart() {
    proc.restart(sim.newTicker(false));
    start();
  }

  private void scheduleUpkeep() {
    proc.after(sim.upkeepNanos(), "upkeep", null, () -> {
      upkeep();
      scheduleUpkeep();
    });
  }

  // ---------------------------------------------------------------- election

  /** The election watcher told this replica it owns the lowest latch node. */
  void onElected(long forSession) {
    if (forSession != session || elected) {
      return;
    }
    elected = true;
    takeOver(++generation);
  }

  /** Curator finally reports the session LOST: stop, then rejoin with a new session. */
  void onSessionExpired(long expired) {
    if (expired != session) {
      return;
    }
    stepDown("session expired");
    session = sim.zk().openSession();
    electionNode = sim.zk().joinElection(session);
  }

  /** Curator reports SUSPENDED: stop granting at once; RECONNECTED comes a little later. */
  void onSuspended(long reconnectAfter) {
    stepDown("connection suspended");
    proc.after(reconnectAfter, "zk-reconnected", null, this::rejoin);
  }

  private void stepDown(String why) {
    if (term != null) {
      sim.note(name() + " stops leading epoch " + term.epoch + ": " + why);
    }
    term = null;
    elected = false;
    generation++;
  }

  /** Leaves the election and joins it again, so a new term starts with a new epoch. */
  private void rejoin() {
    stepDown("rejoining the election");
    sim.zk().delete(electionNode);
    if (!sim.zk().isAlive(session)) {
      session = sim.zk().openSession();
    }
    electionNode = sim.zk().joinElection(session);
  }

  private void takeOver(int gen) {
    byte[] me = name().getBytes(StandardCharsets.UTF_8);
    zkCall("bump-epoch", () -> sim.zk().bumpEpoch(me), epoch -> {
      if (gen != generation || !elected) {
        return;
      }
      if (epoch == null) {
        rejoin();
        return;
      }
      zkCall("read-ledger", () -> sim.zk().read(SimZooKeeper.LEDGER), read -> {
        if (gen != generation || !elected) {
          return;
        }
        if (read == null) {
          rejoin();
          return;
        }
        long readAt = proc.ticker().read();
        byte[] inherited = sim.scenario().breakage() == Breakage.FORGET_LEDGER
            ? new byte[0] : read.data();
        SimLedgerBridge ledger = SimLedgerBridge.restore(sim.scenario().config(), epoch,
            sim.scenario().driftBound(), inherited, readAt);
        long s = session;
        zkCall("publish-leader", () -> sim.zk().publishLeader(epoch, me, s), published -> {
          if (gen != generation || !elected) {
            return;
          }
          if (published == null || !published) {
            rejoin();
            return;
          }
          term = new Term(epoch, ledger, read.version());
          sim.note(name() + " leads epoch " + epoch + ", inherited "
              + SimLedgerBridge.describe(inherited));
        });
      });
    });
  }

  // ---------------------------------------------------------------- upkeep and writes

  private void upkeep() {
    Term t = term;
    if (t == null) {
      return;
    }
    t.ledger.tick(proc.ticker().read());
    write(t);
  }

  private void write(Term t) {
    if (t != term || t.writing) {
      return;
    }
    SimLedgerBridge.Write w = t.ledger.prepareWrite(proc.ticker().read());
    if (w == null) {
      return;
    }
    t.writing = true;
    byte[] data = w.data();
    int version = t.ledgerVersion;
    zkCall("write " + w, () -> sim.zk().checkAndSet(SimZooKeeper.EPOCH, (int) t.epoch,
        SimZooKeeper.LEDGER, data, version), result -> {
          t.writing = false;
          if (result == null) {
            // Outcome unknown: the block is charged at its worst case and never granted from.
            t.ledger.writeFailed(w);
          } else if (result.ok()) {
            t.ledgerVersion = result.version();
            t.ledger.writeSucceeded(w, proc.ticker().read());
          } else {
            t.ledger.writeFailed(w);
            sim.fenced();
            if (t == term) {
              sim.note(name() + " write fenced in epoch " + t.epoch);
              rejoin();
            }
          }
        });
  }

  /**
   * One ZooKeeper round trip: the request reaches the server after a delay and is applied
   * there atomically; the reply comes back after another, unless it is lost, in which case the
   * caller sees null (outcome unknown) when its request times out.
   */
  private <T> void zkCall(String what, Supplier<T> op, Consumer<T> onReply) {
    int incarnation = proc.incarnation();
    long timeout = sim.zkTimeoutNanos();
    if (sim.zkNet().drops()) {
      proc.after(timeout, "zk-timeout", what, () -> onReply.accept(null));
      return;
    }
    sim.loop().after(sim.zkNet().delay(), "zk:" + what, name(), () -> {
      T result = op.get();
      if (sim.zkNet().drops()) {
        sim.loop().at(sim.loop().now() + timeout, proc, incarnation, "zk-timeout", what,
            () -> onReply.accept(null));
        return;
      }
      sim.loop().at(sim.loop().now() + sim.zkNet().delay(), proc, incarnation, "zk-reply",
          what + " -> " + result, () -> onReply.accept(result));
    });
  }

  // ---------------------------------------------------------------- serving clients

  /** A lease request arrived, as {@code LeaseServiceImpl.lease}. */
  void onRequest(SimRequest request, SimClient from) {
    Term t = term;
    if (t == null) {
      sim.reply(from, SimResponse.notLeader(request.seq(), sim.publishedLeader()));
      return;
    }
    try {
      request.returns().forEach(r -> t.ledger.checkReturn(r.getLeaseId(), r.getUsed()));
    } catch (IllegalArgumentException e) {
      sim.fail("allocator rejected a return the client's buffer produced: " + e.getMessage());
      return;
    }
    long now = proc.ticker().read();
    request.returns().forEach(r -> t.ledger.returnLease(r, now));
    SimLedgerBridge.Granted g =
        t.ledger.grant(request.clientId(), request.wanted(), request.minPermits(), now);
    if (g.leaseId() == null && request.wanted() > 0) {
      write(t);
    } else if (g.leaseId() != null) {
      sim.granted(t.epoch);
    }
    sim.reply(from, new SimResponse(request.seq(), false, "", g.leaseId(), g.permits(),
        g.ttlMillis(), g.retryAfterMillis(), sim.scenario().config().maxAcquirePermits(),
        t.epoch));
  }

  static long millis(long ms) {
    return TimeUnit.MILLISECONDS.toNanos(ms);
  }
}

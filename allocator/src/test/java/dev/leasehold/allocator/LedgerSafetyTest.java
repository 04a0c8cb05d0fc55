package dev.leasehold.allocator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.allocator.ResourceLedger.LedgerWrite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Drives the ledger through random, seeded schedules on virtual time — clients that spend,
 * return early, crash; slow and failing ledger writes; failovers with a deposed leader that
 * keeps granting from its open blocks for a while — and checks after every step that no sliding
 * window of any limit saw more than its permits. A failure names its seed and step.
 */
class LedgerSafetyTest {
  private static final long MS = 1_000_000L;
  private static final int SEEDS = 300;
  private static final int STEPS = 2_000;
  /** How long a spent permit may travel to the provider: the 10 ms margin the ledger adds. */
  private static final long ARRIVAL_DELAY = 10 * MS;

  private static final List<ResourceConfig> CONFIGS = List.of(
      ResourceConfig.builder("rps200").limit(Limit.perSecond(200)).build(),
      ResourceConfig.builder("rpm60").limit(Limit.perMinute(60)).limit(Limit.perSecond(5)).build(),
      ResourceConfig.builder("small").limit(20, Duration.ofMillis(500)).maxLeasePermits(3)
          .blockPermits(4).leaseTtl(Duration.ofMillis(20)).build(),
      ResourceConfig.builder("chunky").limit(50, Duration.ofMillis(300))
          .limit(120, Duration.ofSeconds(1))
          .minLeasePermits(2).maxLeasePermits(10).blockPermits(25)
          .leaseTtl(Duration.ofMillis(40)).build());

  /** Checks the spends, and their arrivals at the provider up to 10 ms later. */
  @Test
  void noSlidingWindowEverExceedsItsLimit() {
    long started = System.nanoTime();
    double worstRatio = 0;
    String worst = "";
    long spends = 0;
    int failovers = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      Sim sim = Sim.random(seed);
      sim.run(STEPS);
      spends += sim.spendLog.total();
      failovers += sim.failovers;
      for (int i = 0; i < sim.limits.size(); i++) {
        double ratio = (double) sim.spendLog.worst[i] / sim.limits.get(i).permits();
        ratio = Math.max(ratio, (double) sim.arrivalLog.worst[i] / sim.limits.get(i).permits());
        if (ratio > worstRatio) {
          worstRatio = ratio;
          worst = sim.spendLog.worst[i] + " in a window of " + sim.limits.get(i) + " (seed " + seed
              + ", " + sim.config.name() + ")";
        }
      }
    }
    System.out.printf("LedgerSafetyTest: %d seeds x %d steps, %d spends, %d failovers, "
            + "worst window %s (%.0f%% of the limit), %d ms%n", SEEDS, STEPS, spends, failovers,
        worst, 100 * worstRatio, (System.nanoTime() - started) / MS);
    assertThat(worstRatio).isLessThanOrEqualTo(1.0);
  }

  @Test
  void aSaturatingFleetUsesMostOfTheLimit() {
    Sim sim = Sim.saturating(CONFIGS.get(0), 4, 42);

    sim.run(10_000);

    long permits = sim.limits.get(0).permits();
    double windows = (double) sim.elapsed / sim.limits.get(0).windowNanos();
    double utilization = sim.spendLog.total() / (permits * windows);
    System.out.printf("LedgerSafetyTest: saturating %s, 4 clients, %.1f s: %d spent, "
            + "utilization %.1f%%, worst window %d/%d%n", sim.config, sim.elapsed / 1e9,
        sim.spendLog.total(), 100 * utilization, sim.arrivalLog.worst[0], permits);
    assertThat(sim.arrivalLog.worst[0]).isLessThanOrEqualTo(permits);
    assertThat(utilization).isGreaterThanOrEqualTo(0.5);
  }

  @Test
  void saturatingClientsThatReturnIdleLeasesLateStayWithinTheLimit() {
    for (int seed = 0; seed < 5; seed++) {
      for (ResourceConfig config : CONFIGS) {
        Sim sim = Sim.saturating(config, 1 + seed, seed);
        sim.maxIdle = 40 * MS;
        sim.run(STEPS);
      }
    }
  }

  @Test
  void theRefereeCountsClosedWindows() {
    SpendLog spendLog = new SpendLog(List.of(new Limit(2, Duration.ofSeconds(1))));
    spendLog.spend(0);
    spendLog.spend(1_000 * MS);
    assertThat(spendLog.worst[0]).isEqualTo(2);
    spendLog.spend(1_000 * MS + 1);
    assertThat(spendLog.worst[0]).isEqualTo(2);
    spendLog.spend(1_000 * MS + 2);
    assertThat(spendLog.worst[0]).isEqualTo(3);
  }

  // ---------------------------------------------------------------- the referee

  /** The referee: every spend on the one true clock, and each limit's busiest closed window. */
  static final class SpendLog {
    final List<Limit> limits;
    final long[] worst;
    private final int[] left;
    private long[] times = new long[1024];
    private int n;

    SpendLog(List<Limit> limits) {
      this.limits = limits;
      this.worst = new long[limits.size()];
      this.left = new int[limits.size()];
    }

    void spend(long t) {
      if (n > 0 && t < times[n - 1]) {
        throw new IllegalStateException("spends out of order: " + t + " < " + times[n - 1]);
      }
      if (n == times.length) {
        times = Arrays.copyOf(times, 2 * n);
      }
      times[n++] = t;
      for (int i = 0; i < limits.size(); i++) {
        long from = t - limits.get(i).windowNanos();
        while (times[left[i]] < from) {
          left[i]++;
        }
        worst[i] = Math.max(worst[i], n - left[i]);
      }
    }

    int total() {
      return n;
    }

    /** The first limit some window exceeded, or -1. */
    int exceeded() {
      for (int i = 0; i < limits.size(); i++) {
        if (worst[i] > limits.get(i).permits()) {
          return i;
        }
      }
      return -1;
    }
  }

  // ---------------------------------------------------------------- the driver

  /** A lease in a client's hands: when it will spend its permits, and whether it returns. */
  record Held(GrantedLease lease, ResourceLedger issuer, long[] spends, long deadline,
      long returnAt, long closedAgoMillis) {}

  static final class Client {
    final String id;
    long wanted;
    final List<Held> held = new ArrayList<>();
    /** The client waits out a refusal's retryAfter before it asks again. */
    long notBefore;

    Client(String id) {
      this.id = id;
    }
  }

  /** A ledger write on its way to ZooKeeper. */
  record InFlight(LedgerWrite write, long completeAt, boolean committed, boolean toldSuccess) {}

  static final class Sim {
    final long seed;
    final Random rnd;
    final ResourceConfig config;
    final List<Limit> limits;
    final SpendLog spendLog;
    /** When the spends reach the provider, up to ARRIVAL_DELAY later. */
    final SpendLog arrivalLog;
    final PriorityQueue<Long> inTransit = new PriorityQueue<>();
    boolean checkArrivals = true;
    final List<Client> clients = new ArrayList<>();
    final double drift;
    // schedule knobs
    double pAsk = 0.5;
    double pReturn = 0.6;
    double pSpendAll = 0.5;
    double pWriteFail = 0.05;
    double pWriteUnknown = 0.02;
    double pFailover = 1.0 / 500;
    double pLargeStep = 0.3;
    long maxWriteDelay = 5 * MS;
    long maxSmallStep = 3 * MS;
    long maxLargeStep = 50 * MS;
    boolean saturate;
    /** How long a saturating client may keep a spent lease before it returns it. */
    long maxIdle;
    /** Every client always wants twice the largest lease. */
    boolean hungry;

    ResourceLedger leader;
    long epoch = 1;
    InFlight inFlight;
    LedgerRecord lastRecord = LedgerRecord.EMPTY;
    ResourceLedger zombie;
    InFlight zombieInFlight;
    long zombieUntil;
    long now;
    long previousNow;
    long elapsed;
    int step;
    int failovers;

    Sim(long seed, ResourceConfig config, int clientCount, double drift) {
      this.seed = seed;
      this.rnd = new Random(seed);
      this.config = config;
      this.limits = config.limits();
      this.spendLog = new SpendLog(limits);
      this.arrivalLog = new SpendLog(limits);
      this.drift = drift;
      for (int i = 0; i < clientCount; i++) {
        Client c = new Client("c" + i);
        c.wanted = 1 + nextLong(2 * config.maxLeasePermits() - 1);
        clients.add(c);
      }
      this.now = 1_000 * MS;
      this.previousNow = now;
      this.leader = new ResourceLedger(config, epoch, drift, now);
    }

    static Sim random(long seed) {
      Random r = new Random(seed * 7919 + 1);
      ResourceConfig config = CONFIGS.get(r.nextInt(CONFIGS.size()));
      double drift = new double[] {0, 0.001, 0.01}[r.nextInt(3)];
      Sim sim = new Sim(seed, config, 1 + r.nextInt(20), drift);
      sim.pAsk = 0.1 + 0.8 * r.nextDouble();
      sim.pReturn = r.nextDouble();
      sim.pSpendAll = r.nextDouble();
      sim.pWriteFail = r.nextInt(4) == 0 ? 0.3 : 0.03;
      sim.pFailover = r.nextInt(4) == 0 ? 1.0 / 50 : 1.0 / 500;
      sim.pLargeStep = r.nextDouble() * 0.5;
      sim.maxWriteDelay = r.nextInt(10) * MS;
      sim.hungry = r.nextInt(3) == 0;
      return sim;
    }

    static Sim saturating(ResourceConfig config, int clientCount, long seed) {
      Sim sim = new Sim(seed, config, clientCount, 0.001);
      sim.saturate = true;
      sim.pAsk = 1;
      sim.pReturn = 1;
      sim.pSpendAll = 1;
      sim.pWriteFail = 0;
      sim.pWriteUnknown = 0;
      sim.pFailover = 0;
      sim.pLargeStep = 0;
      sim.maxSmallStep = 2 * MS;
      sim.maxWriteDelay = 2 * MS;
      return sim;
    }

    void run(int steps) {
      long start = now;
      for (step = 0; step < steps; step++) {
        step();
        check(spendLog, "spent");
        if (checkArrivals) {
          check(arrivalLog, "arrived");
        }
      }
      elapsed = now - start;
    }

    private void check(SpendLog log, String what) {
      int broken = log.exceeded();
      if (broken >= 0) {
        throw new AssertionError("seed " + seed + " step " + step + " (" + config + ", "
            + clients.size() + " clients, drift " + drift + "): " + log.worst[broken]
            + " permits " + what + " in one window of " + limits.get(broken));
      }
    }

    private void step() {
      now += rnd.nextDouble() < pLargeStep ? nextLong(maxLargeStep) : nextLong(maxSmallStep);
      spendDue();
      returnDue();
      upkeep();
      zombieUpkeep();
      if (rnd.nextDouble() < pFailover) {
        failover();
      }
      for (Client c : clients) {
        if (rnd.nextDouble() < pAsk) {
          ask(c);
        }
      }
    }

    // -------------------------------------------------------------- clients

    /** Records the spends of (previousNow, now] in time order, and the arrivals up to now. */
    private void spendDue() {
      List<Long> due = new ArrayList<>();
      for (Client c : clients) {
        for (Held h : c.held) {
          for (long t : h.spends) {
            if (t > previousNow && t <= now) {
              due.add(t);
            }
          }
        }
      }
      due.sort(null);
      for (long t : due) {
        spendLog.spend(t);
        // The extremes are the adversarial case: some calls arrive at once, some a margin late.
        inTransit.add(t + (rnd.nextBoolean() ? 0 : ARRIVAL_DELAY));
      }
      // Every later spend, so every later arrival, is after now.
      while (!inTransit.isEmpty() && inTransit.peek() <= now) {
        arrivalLog.spend(inTransit.poll());
      }
      previousNow = now;
    }

    private void returnDue() {
      for (Client c : clients) {
        for (Iterator<Held> it = c.held.iterator(); it.hasNext(); ) {
          Held h = it.next();
          if (h.returnAt <= now) {
            ResourceLedger target = h.issuer == zombie ? zombie : leader;
            target.checkReturn(h.lease.id(), h.spends.length);
            target.returnLease(h.lease.id(), h.spends.length, h.closedAgoMillis, now);
            it.remove();
          } else if (h.returnAt == Long.MAX_VALUE && h.deadline < now) {
            it.remove(); // never returned: the ledger ends it by itself
          }
        }
      }
    }

    private void ask(Client c) {
      if (c.held.size() >= 3 || now < c.notBefore) {
        return;
      }
      if (hungry) {
        c.wanted = 2 * config.maxLeasePermits();
      } else if (!saturate && rnd.nextInt(20) == 0) {
        c.wanted = rnd.nextInt(4) == 0 ? 0 : 1 + nextLong(2 * config.maxLeasePermits());
      } else if (saturate) {
        c.wanted = 1_000;
      }
      long min = rnd.nextInt(10) == 0 ? 1 + nextLong(minCap() - 1) : 1;
      ResourceLedger target = zombie != null && rnd.nextInt(3) == 0 ? zombie : leader;
      long sentAt = now - nextLong(2 * MS);
      Grant grant = target.grant(c.id, c.wanted, min, now);
      if (grant.lease() == null) {
        // Mostly polite; sometimes asks again at once.
        c.notBefore = rnd.nextInt(5) == 0 ? 0 : now + grant.retryAfterMillis() * MS;
        return;
      }
      GrantedLease lease = grant.lease();
      long need = Math.max(min, config.minLeasePermits());
      assertThat(lease.permits()).as("seed %d step %d: lease for wanted %d, min %d", seed, step,
          c.wanted, min)
          .isBetween(need, Math.max(need, Math.min(c.wanted, config.maxLeasePermits())));
      c.held.add(plan(target, lease, sentAt, grant.ttlMillis()));
    }

    private long minCap() {
      return Math.min(config.maxAcquirePermits(), config.blockPermits());
    }

    /** Picks when the client spends: inside [grant, its own deadline], a clock slow by drift. */
    private Held plan(ResourceLedger issuer, GrantedLease lease, long sentAt, long ttlMillis) {
      long deadline = sentAt + (long) (ttlMillis * MS * (1 + drift * rnd.nextDouble()));
      int count = rnd.nextDouble() < pSpendAll
          ? (int) lease.permits() : rnd.nextInt((int) lease.permits() + 1);
      // Eager (right after the grant), spread over the lease, or late (just before the deadline).
      int mode = saturate ? 0 : rnd.nextInt(3);
      long first = mode == 2 ? Math.max(now, deadline - 2 * MS) : now;
      long last = mode == 0 ? Math.min(deadline, now + 2 * MS) : deadline;
      long[] spends = new long[count];
      for (int i = 0; i < count; i++) {
        spends[i] = first + 1 + nextLong(last - first - 1);
      }
      Arrays.sort(spends);
      long lastSpend = count == 0 ? now : spends[count - 1];
      if (rnd.nextDouble() >= pReturn) {
        return new Held(lease, issuer, spends, deadline, Long.MAX_VALUE, 0);
      }
      // Returned at once, or idle for a while first and then says how long ago it closed,
      // measured on a clock that may run fast by the drift bound.
      long idle = saturate ? nextLong(maxIdle)
          : rnd.nextInt(4) == 0 ? nextLong(40 * MS) : nextLong(3 * MS);
      long returnAt = lastSpend + 1_000 + idle;
      long closedAgo = !saturate && rnd.nextBoolean() ? 0
          : (long) ((returnAt - lastSpend) * (1 + drift * rnd.nextDouble())) / MS;
      return new Held(lease, issuer, spends, deadline, returnAt, closedAgo);
    }

    // -------------------------------------------------------------- the leaders

    private void upkeep() {
      leader.tick(now);
      if (inFlight != null && inFlight.completeAt <= now) {
        complete(leader, inFlight);
        inFlight = null;
      }
      if (inFlight == null) {
        LedgerWrite write = leader.prepareWrite(now);
        if (write != null) {
          inFlight = send(write);
          if (inFlight.completeAt <= now) {
            complete(leader, inFlight);
            inFlight = null;
          }
        }
      }
    }

    private InFlight send(LedgerWrite write) {
      long delay = rnd.nextInt(3) == 0 ? 0 : nextLong(maxWriteDelay);
      double r = rnd.nextDouble();
      boolean committed = r >= pWriteFail;
      boolean toldSuccess = committed && r >= pWriteFail + pWriteUnknown;
      return new InFlight(write, now + delay, committed, toldSuccess);
    }

    private void complete(ResourceLedger ledger, InFlight w) {
      if (w.committed && ledger == leader) {
        lastRecord = LedgerRecord.decode(w.write.record().encode(), "/sim/ledger");
      }
      if (w.toldSuccess) {
        ledger.writeSucceeded(w.write, now);
      } else {
        ledger.writeFailed(w.write);
      }
    }

    /** A deposed leader that has not noticed yet: grants from open blocks, every write fenced. */
    private void zombieUpkeep() {
      if (zombie == null) {
        return;
      }
      if (now >= zombieUntil) {
        zombie = null;
        return;
      }
      zombie.tick(now);
      if (zombieInFlight != null && zombieInFlight.completeAt <= now) {
        complete(zombie, zombieInFlight);
        zombieInFlight = null;
      }
      if (zombieInFlight == null) {
        LedgerWrite write = zombie.prepareWrite(now);
        if (write != null) {
          zombie.writeFailed(write);
        }
      }
    }

    private void failover() {
      failovers++;
      ResourceLedger old = leader;
      InFlight oldWrite = inFlight;
      if (oldWrite != null) {
        // The epoch bump fences it: it committed before, or never will; the old leader may
        // learn the outcome, or not.
        boolean committed = rnd.nextBoolean();
        oldWrite = new InFlight(oldWrite.write, oldWrite.completeAt, committed,
            committed && rnd.nextBoolean());
        if (committed) {
          lastRecord = LedgerRecord.decode(oldWrite.write.record().encode(), "/sim/ledger");
        }
      }
      epoch++;
      leader = ResourceLedger.restore(config, epoch, drift, lastRecord, now);
      inFlight = null;
      zombie = null;
      zombieInFlight = null;
      if (rnd.nextBoolean()) {
        zombie = old;
        zombieInFlight = oldWrite;
        zombieUntil = now + nextLong(300 * MS);
      }
    }

    private long nextLong(long boundInclusive) {
      return boundInclusive <= 0 ? 0 : (long) (rnd.nextDouble() * (boundInclusive + 1));
    }
  }
}

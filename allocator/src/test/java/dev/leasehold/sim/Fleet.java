package dev.leasehold.sim;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Creates the clients of a run with the scenario's {@link Demand} pattern. The fleet as a whole
 * offers 1.5 times the tightest limit's long-run rate.
 */
final class Fleet {
  private static final double OVERLOAD = 1.5;
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final Simulation sim;
  private final SplittableRandom rng;
  private int next;

  Fleet(Simulation sim, SplittableRandom rng) {
    this.sim = sim;
    this.rng = rng;
  }

  void populate() {
    Scenario s = sim.scenario();
    int n = s.clients();
    double total = OVERLOAD * s.limitRate();
    long duration = s.durationNanos();
    switch (s.demand()) {
      case STEADY -> {
        for (int i = 0; i < n; i++) {
          start(DemandProfile.steady(total / n), rng.nextLong(10 * MS));
        }
      }
      case SKEWED -> {
        double share = total / (n - 1 + 100);
        start(DemandProfile.steady(100 * share), 0);
        for (int i = 1; i < n; i++) {
          start(DemandProfile.steady(share), rng.nextLong(10 * MS));
        }
      }
      case BURSTY -> {
        long period = rng.nextLong(200 * MS, 1000 * MS);
        long on = (long) (period * 0.3);
        long phase = rng.nextLong(period);
        for (int i = 0; i < n; i++) {
          long jitter = rng.nextLong(20 * MS);
          start(DemandProfile.bursty(total / n / 0.3, period, on, phase + jitter), 0);
        }
      }
      case CHURN -> {
        // Half again as many clients as are active at once, each present for part of the run.
        int population = n + n / 2;
        for (int i = 0; i < population; i++) {
          long join = rng.nextLong(duration * 6 / 10);
          long stay = rng.nextLong(duration / 5, duration * 8 / 10);
          SimClient c = start(DemandProfile.steady(total / n), join);
          if (join + stay < duration) {
            sim.loop().after(join + stay, "leave", c.id, c::leave);
          }
        }
      }
      default -> throw new AssertionError(s.demand());
    }
  }

  /** Starts a client with {@code demand} after {@code delay}; it keeps its profile if restarted. */
  SimClient start(DemandProfile demand, long delay) {
    return start("c" + next++, demand, delay);
  }

  SimClient start(String id, DemandProfile demand, long delay) {
    SimClient c = new SimClient(sim, new SimProcess(id, sim.loop(), sim.newTicker(true)), demand,
        rng.split(), this);
    sim.clients().add(c);
    sim.loop().after(delay, "join", id, c::start);
    return c;
  }
}

package dev.leasehold.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs a scenario over a range of seeds and sums up what they saw: events, admissions, the
 * busiest window against each limit, utilization (mean and minimum), and every failure.
 */
final class SeedRun {
  final Scenario scenario;
  long seeds;
  long events;
  long admitted;
  long epochs;
  long gaveUp;
  long staleGrants;
  long fencedWrites;
  double utilizationSum;
  double utilizationMin = Double.MAX_VALUE;
  final long[] worst;
  final List<Outcome> failures = new ArrayList<>();
  long millis;

  private SeedRun(Scenario scenario) {
    this.scenario = scenario;
    this.worst = new long[scenario.config().limits().size()];
  }

  /** Runs seeds {@code first} .. {@code first + count - 1}; stops at {@code maxFailures}. */
  static SeedRun run(Scenario scenario, long first, long count, int maxFailures) {
    SeedRun r = new SeedRun(scenario);
    long start = System.nanoTime();
    for (long seed = first; seed < first + count && r.failures.size() < maxFailures; seed++) {
      r.add(new Simulation(scenario, seed).run());
    }
    r.millis = (System.nanoTime() - start) / 1_000_000;
    return r;
  }

  private void add(Outcome o) {
    seeds++;
    events += o.events();
    admitted += o.admitted();
    epochs += o.epochs();
    gaveUp += o.gaveUp();
    staleGrants += o.staleGrants();
    fencedWrites += o.fencedWrites();
    utilizationSum += o.utilization();
    utilizationMin = Math.min(utilizationMin, o.utilization());
    for (int i = 0; i < worst.length; i++) {
      worst[i] = Math.max(worst[i], o.worst()[i]);
    }
    if (o.failed()) {
      failures.add(o);
    }
  }

  double utilizationMean() {
    return seeds == 0 ? 0 : utilizationSum / seeds;
  }

  /** One line for the build log. */
  String summary() {
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
        "%-22s %5d seeds %6.1fs %,11d events  utilization mean %5.1f%% min %5.1f%%  epochs %4d"
            + "  stale grants %d  fenced writes %d  failures %d  worst window",
        scenario.name(), seeds, millis / 1000.0, events, 100 * utilizationMean(),
        100 * utilizationMin, epochs, staleGrants, fencedWrites, failures.size()));
    for (int i = 0; i < worst.length; i++) {
      s.append(' ').append(worst[i]).append('/').append(scenario.config().limits().get(i));
    }
    return s.toString();
  }
}

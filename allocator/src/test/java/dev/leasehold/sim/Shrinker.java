package dev.leasehold.sim;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Looks for a smaller run that fails the same way: the same seed with fault kinds removed, fewer
 * clients, a run cut short just after the failure. Greedy, as FoundationDB and Hypothesis-style
 * shrinkers are: a candidate that still fails becomes the new best, and the loop goes on until
 * no candidate fails or the budget is spent. Smaller means fewer events to read.
 */
final class Shrinker {
  private static final int BUDGET = 40;

  private Shrinker() {}

  static Outcome shrink(Outcome failed) {
    Outcome best = failed;
    int runs = 0;
    boolean progress = true;
    while (progress && runs < BUDGET) {
      progress = false;
      for (Scenario candidate : candidates(best)) {
        if (runs++ >= BUDGET) {
          break;
        }
        Outcome o = new Simulation(candidate, best.seed()).run();
        if (o.failed() && o.events() < best.events()) {
          best = o;
          progress = true;
          break;
        }
      }
    }
    return best;
  }

  private static List<Scenario> candidates(Outcome o) {
    Scenario s = o.scenario();
    List<Scenario> out = new ArrayList<>();
    // Stop just after the failure: everything later is noise.
    long cut = o.violationAtNanos() + o.violationAtNanos() / 20 + 1;
    if (cut < s.durationNanos()) {
      out.add(s.withDuration(cut));
    }
    for (Fault f : s.faults()) {
      Set<Fault> fewer = EnumSet.copyOf(s.faults());
      fewer.remove(f);
      out.add(s.withFaults(fewer));
    }
    if (s.clients() > 4) {
      out.add(s.withClients(s.clients() / 2));
      out.add(s.withClients(s.clients() * 3 / 4));
    }
    if (s.demand() != Demand.STEADY) {
      out.add(s.withDemand(Demand.STEADY));
    }
    return out;
  }

  /** The report for a failure: seed, the smallest scenario found, and its trace. */
  static String report(Outcome original, Outcome smallest) {
    StringBuilder s = new StringBuilder()
        .append("Simulation FAILED; reproduce with seed ").append(original.seed())
        .append("\n  original: ").append(original.scenario())
        .append("\n  ").append(original)
        .append("\n  smallest failing run found: ").append(smallest.scenario())
        .append("\n  ").append(smallest)
        .append("\n  trace of the smallest run (notable events, then the last events):\n");
    for (String line : smallest.trace()) {
      s.append("    ").append(line).append('\n');
    }
    return s.toString();
  }
}

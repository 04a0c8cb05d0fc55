package dev.leasehold.sim;

import dev.leasehold.allocator.Limit;
import dev.leasehold.allocator.ResourceConfig;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Everything a run is made of except its seed. Immutable; the {@code with} methods derive
 * variants (the shrinker uses them to look for a smaller failing run).
 *
 * @param driftBound the bound the allocators are configured with
 * @param driftFactor how far real clocks drift, in units of the bound (1: at the bound)
 * @param adverseDrift clocks drift the unsafe way at exactly the factor (clients slow, allocators
 *     fast) instead of uniformly within it
 */
record Scenario(String name, ResourceConfig config, int replicas, int clients,
    long durationNanos, Demand demand, Set<Fault> faults, double driftBound, double driftFactor,
    boolean adverseDrift, Breakage breakage) {

  Scenario {
    faults = faults.isEmpty() ? EnumSet.noneOf(Fault.class) : EnumSet.copyOf(faults);
  }

  /** A fault-free, steady scenario that lasts three of the longest windows (at least 3 s). */
  static Scenario of(String name, ResourceConfig config) {
    long longest = config.limits().get(config.limits().size() - 1).window().toNanos();
    long duration = Math.max(TimeUnit.SECONDS.toNanos(3), longest * 2 + longest / 6);
    return new Scenario(name, config, 3, 120, duration, Demand.STEADY,
        EnumSet.noneOf(Fault.class), 0.001, 1.0, false, Breakage.NONE);
  }

  Scenario withDemand(Demand d) {
    return new Scenario(name, config, replicas, clients, durationNanos, d, faults, driftBound,
        driftFactor, adverseDrift, breakage);
  }

  Scenario withFaults(Set<Fault> f) {
    return new Scenario(name, config, replicas, clients, durationNanos, demand, f, driftBound,
        driftFactor, adverseDrift, breakage);
  }

  Scenario withClients(int n) {
    return new Scenario(name, config, replicas, n, durationNanos, demand, faults, driftBound,
        driftFactor, adverseDrift, breakage);
  }

  Scenario withDuration(long nanos) {
    return new Scenario(name, config, replicas, clients, nanos, demand, faults, driftBound,
        driftFactor, adverseDrift, breakage);
  }

  Scenario withDrift(double factor, boolean adverse) {
    return new Scenario(name, config, replicas, clients, durationNanos, demand, faults,
        driftBound, factor, adverse, breakage);
  }

  Scenario withBreakage(Breakage b) {
    return new Scenario(name, config, replicas, clients, durationNanos, demand, faults,
        driftBound, driftFactor, adverseDrift, b);
  }

  /** Permits per second the tightest limit allows in the long run. */
  double limitRate() {
    double rate = Double.MAX_VALUE;
    for (Limit l : config.limits()) {
      rate = Math.min(rate, l.permits() * 1e9 / l.window().toNanos());
    }
    return rate;
  }

  /** The most the limits allow over the run: the denominator of utilization. */
  double capacity() {
    return limitRate() * durationNanos / 1e9;
  }

  @Override
  public String toString() {
    return name + " [" + config.limits() + ", " + clients + " clients, " + replicas
        + " allocators, " + durationNanos / 1_000_000 + "ms, " + demand + ", faults " + faults
        + ", drift " + driftFactor + "x" + driftBound + (adverseDrift ? " adverse" : "")
        + (breakage == Breakage.NONE ? "" : ", BROKEN " + breakage) + "]";
  }
}

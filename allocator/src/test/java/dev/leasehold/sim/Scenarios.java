package dev.leasehold.sim;

import dev.leasehold.allocator.Limit;
import dev.leasehold.allocator.ResourceConfig;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/** The configurations and fault mixes the suite runs. */
final class Scenarios {
  private Scenarios() {}

  /** 200/1s with the defaults: leases of at most 5 for 100 ms, blocks of 5. */
  static final ResourceConfig PER_SECOND = ResourceConfig.builder("sim")
      .limit(Limit.perSecond(200)).build();

  /** 200/1s with big blocks (40) and leases (20): failovers strand more of the window. */
  static final ResourceConfig BIG_BLOCKS = ResourceConfig.builder("sim")
      .limit(Limit.perSecond(200)).maxLeasePermits(20).blockPermits(40).build();

  /** Two limits: 60/1m and 5/1s; leases of 1 for 100 ms. Runs last 130 s. */
  static final ResourceConfig TWO_LIMITS = ResourceConfig.builder("sim")
      .limit(Limit.perMinute(60)).limit(Limit.perSecond(5)).build();

  /** 200/10s with 2 s leases: long enough that clock drift moves ends by tens of ms. */
  static final ResourceConfig LONG_LEASES = ResourceConfig.builder("sim")
      .limit(new Limit(200, Duration.ofSeconds(10))).maxLeasePermits(10).blockPermits(20)
      .leaseTtl(Duration.ofSeconds(2)).build();

  /** 600/1m: leases of at most 15 for 6 s, blocks of 15. Runs last 130 s. */
  static final ResourceConfig PER_MINUTE = ResourceConfig.builder("sim")
      .limit(Limit.perMinute(600)).build();

  static final Set<Fault> ALL = EnumSet.allOf(Fault.class);

  static Scenario steady() {
    return Scenario.of("steady 200/1s", PER_SECOND);
  }

  static Scenario faults(String name, ResourceConfig config, Demand demand) {
    return Scenario.of(name, config).withDemand(demand).withFaults(ALL);
  }
}

package dev.leasehold.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.allocator.ResourceConfig;
import org.junit.jupiter.api.Test;

/**
 * Clock-rate drift against the configured bound (0.1%). At the bound, in the unsafe direction
 * (every client slow, every allocator fast), the rule holds: that scenario is part of
 * {@link SimulationTest}. Well beyond it the guarantee is void, and the simulator shows it.
 */
class ClockDriftTest {
  /** Steady, fault-free, clients exactly {@code bound} slow and allocators exactly that fast. */
  static Scenario atBound(String name, ResourceConfig config) {
    return Scenario.of(name, config).withDrift(1, true);
  }

  @Test
  void driftTwentyTimesTheBoundIsCaught() {
    Scenario beyond = Scenario.of("drift 20x bound 200/1s", Scenarios.PER_SECOND)
        .withDrift(20, true);
    SeedRun run = SeedRun.run(beyond, 1, 200, 1);
    System.out.println(run.summary());
    assertThat(run.failures).as("a violation within 200 seeds at 20x the drift bound")
        .isNotEmpty();
    System.out.println(Shrinker.report(run.failures.get(0), run.failures.get(0)));
  }
}

package dev.leasehold.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.allocator.Limit;
import dev.leasehold.allocator.ResourceConfig;
import org.junit.jupiter.api.Test;

/**
 * How much of the limit a fleet with more demand than the limit really uses, per window length,
 * with default lease sizing: simulated, so a minute-long window costs seconds, and the figure
 * does not depend on how busy the machine is. Safety is checked on every run as everywhere.
 */
class UtilizationTest {
  private static final int SEEDS = 3;

  private static SeedRun run(String name, ResourceConfig config) {
    SeedRun run = SeedRun.run(Scenario.of(name, config), 1, SEEDS, 1);
    System.out.println(run.summary());
    assertThat(run.failures).as("violations").isEmpty();
    return run;
  }

  @Test
  void aMinuteWindowIsUsedAlmostFully() {
    SeedRun run = run("steady 3500/1m", ResourceConfig.builder("rpm")
        .limit(Limit.perMinute(3500)).build());
    assertThat(run.utilizationMean()).as("utilization of 3500/1m").isGreaterThanOrEqualTo(0.98);
  }

  @Test
  void aSecondWindowIsUsedMostly() {
    SeedRun run = run("steady 100/1s", ResourceConfig.builder("rps")
        .limit(Limit.perSecond(100)).build());
    assertThat(run.utilizationMean()).as("utilization of 100/1s").isGreaterThanOrEqualTo(0.90);
  }

  @Test
  void twoLimitsAreBothRespectedAndTheTighterIsUsed() {
    SeedRun run = run("steady 3500/1m+100/1s", ResourceConfig.builder("both")
        .limit(Limit.perMinute(3500)).limit(Limit.perSecond(100)).build());
    assertThat(run.utilizationMean()).as("utilization of the binding limit")
        .isGreaterThanOrEqualTo(0.90);
  }
}

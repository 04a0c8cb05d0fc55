package dev.leasehold.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/**
 * Proves the simulator can fail: deliberately broken adapters (never the core) must be caught
 * within a few hundred seeds, or a passing suite would mean nothing.
 */
class BrokenVariantTest {
  private static final int BUDGET = 300;

  @Test
  void aLeaderThatForgetsTheLedgerIsCaught() {
    Scenario broken = Scenarios.faults("BROKEN forget ledger", Scenarios.PER_SECOND,
        Demand.STEADY).withBreakage(Breakage.FORGET_LEDGER);
    SeedRun run = SeedRun.run(broken, 1, BUDGET, 1);
    System.out.println(run.summary());
    assertThat(run.failures).as("caught within %s seeds", BUDGET).isNotEmpty();
    Outcome first = run.failures.get(0);
    System.out.println(Shrinker.report(first, Shrinker.shrink(first)));
  }

  @Test
  void aStoreWithoutFencingIsCaught() {
    // Only leader pauses: the fault that lets a deposed leader write; with every fault kind in
    // the mix the first catch came near seed 200-280, with pauses alone within about 25.
    Scenario broken = Scenarios.faults("BROKEN blind store", Scenarios.PER_SECOND,
        Demand.STEADY).withFaults(EnumSet.of(Fault.LEADER_PAUSE))
        .withBreakage(Breakage.BLIND_STORE);
    SeedRun run = SeedRun.run(broken, 1, BUDGET, 1);
    System.out.println(run.summary());
    assertThat(run.failures).as("caught within %s seeds", BUDGET).isNotEmpty();
    Outcome first = run.failures.get(0);
    System.out.println(Shrinker.report(first, Shrinker.shrink(first)));
  }
}

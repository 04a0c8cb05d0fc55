package dev.leasehold.allocator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fleet on real ZooKeeper and real gRPC: two allocators, four clients of two threads each,
 * hammering one resource of 200 per second. The referee must never see a window above the
 * limit, and the fleet must use most of it.
 */
class FleetTest {
  private static final int LIMIT = 200;
  private static final long WINDOW = TimeUnit.SECONDS.toNanos(1);

  private TestingServer zookeeper;
  private Allocator first;
  private Allocator second;

  @BeforeEach
  void startAllocators() throws Exception {
    zookeeper = new TestingServer(true);
    first = allocator();
    first.start();
    awaitLeader(first);
    second = allocator();
    second.start();
  }

  private Allocator allocator() {
    return Allocator.builder().zookeeper(zookeeper.getConnectString()).namespace("fleet")
        .limit("api", new Limit(LIMIT, Duration.ofSeconds(1)))
        .sessionTimeout(Duration.ofSeconds(4))
        .build();
  }

  private static void awaitLeader(Allocator allocator) throws InterruptedException {
    for (int i = 0; i < 200 && !allocator.isLeader(); i++) {
      Thread.sleep(50);
    }
    assertThat(allocator.isLeader()).as("first allocator leads").isTrue();
  }

  @AfterEach
  void stop() throws Exception {
    second.close();
    first.close();
    zookeeper.close();
  }

  @Test
  void fleetNeverExceedsTheLimitAndUsesMostOfIt() throws Exception {
    Run run = runFleet(10_000, 0, () -> {});
    assertThat(run.worst).as("busiest 1 s window").isLessThanOrEqualTo(LIMIT);
    assertThat(run.utilization).as("share of the limit used").isGreaterThanOrEqualTo(0.90);
  }

  @Test
  void leaderClosedMidRunStandbyTakesOverWithinTheLimit() throws Exception {
    Run run = runFleet(10_000, 4_000, () -> first.close());
    assertThat(second.isLeader()).as("standby leads").isTrue();
    assertThat(run.worst).as("busiest 1 s window").isLessThanOrEqualTo(LIMIT);
    assertThat(run.gapAfterFault).as("longest pause in grants after the fault")
        .isLessThan(TimeUnit.SECONDS.toNanos(4 + 3));
  }

  @Test
  void leaderSessionExpiredMidRunStandbyTakesOverWithinTheLimit() throws Exception {
    Run run = runFleet(10_000, 4_000, () -> {
      try {
        KillSession.kill(first.zookeeper().getZookeeperClient().getZooKeeper());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(second.isLeader() || first.isLeader()).as("someone leads again").isTrue();
    assertThat(run.worst).as("busiest 1 s window").isLessThanOrEqualTo(LIMIT);
    assertThat(run.gapAfterFault).as("longest pause in grants after the fault")
        .isLessThan(TimeUnit.SECONDS.toNanos(4 + 3));
  }

  private record Run(int worst, double utilization, long gapAfterFault) {}

  /** Runs the fleet for {@code millis}, injecting {@code fault} after {@code faultAtMillis}. */
  private Run runFleet(long millis, long faultAtMillis, Runnable fault) throws Exception {
    Referee referee = new Referee(100_000);
    long start;
    long faultAt;
    long end;
    try (Fleet fleet = new Fleet(zookeeper.getConnectString(), "fleet", "api", 4, 2, referee)) {
      fleet.start();
      start = System.nanoTime();
      Thread.sleep(faultAtMillis);
      faultAt = System.nanoTime();
      fault.run();
      Thread.sleep(millis - faultAtMillis);
      end = System.nanoTime();
    }
    int worst = referee.busiestWindow(WINDOW);
    // Skip the first second: the fleet starts with no leases.
    long from = start + WINDOW;
    double utilization = referee.admittedBetween(from, end) / (LIMIT * (end - from) / (double) WINDOW);
    long gap = referee.longestGap(faultAt, end);
    System.out.printf("fleet: worst window %d/%d, utilization %.1f%%, longest gap after fault %d ms%n",
        worst, LIMIT, 100 * utilization, TimeUnit.NANOSECONDS.toMillis(gap));
    return new Run(worst, utilization, gap);
  }
}

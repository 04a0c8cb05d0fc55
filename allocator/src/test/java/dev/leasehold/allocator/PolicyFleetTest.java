package dev.leasehold.allocator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each allocation policy on a real fleet with skewed demand: the shares come out as the policy
 * says, the fleet uses the limit, and the referee never sees a window above it.
 */
class PolicyFleetTest {
  private static final int LIMIT = 100;
  private static final long WINDOW = TimeUnit.SECONDS.toNanos(1);

  private TestingServer zookeeper;
  private Allocator allocator;

  @BeforeEach
  void startZooKeeper() throws Exception {
    zookeeper = new TestingServer(true);
  }

  @AfterEach
  void stop() throws Exception {
    if (allocator != null) {
      allocator.close();
    }
    zookeeper.close();
  }

  private void startAllocator(ResourceConfig.Builder resource) throws InterruptedException {
    allocator = Allocator.builder().zookeeper(zookeeper.getConnectString()).namespace("policy")
        .resource(resource.limit(LIMIT, Duration.ofSeconds(1)).build()).build();
    allocator.start();
    for (int i = 0; i < 200 && !allocator.isLeader(); i++) {
      Thread.sleep(50);
    }
  }

  @Test
  void fairShareMeetsSmallDemandInFullAndSplitsTheRestEvenly() throws Exception {
    startAllocator(ResourceConfig.builder("api"));
    Referee referee = new Referee(100_000);
    Map<String, Long> got;
    try (Fleet fleet = new Fleet(zookeeper.getConnectString(), "policy", "api", referee)) {
      for (int i = 0; i < 4; i++) {
        fleet.add("equal-" + i, 2, 0);
      }
      fleet.add("light", 1, 5);
      got = measure(fleet, 3, 8);
    }
    double[] equal = got.entrySet().stream().filter(e -> e.getKey().startsWith("equal-"))
        .mapToDouble(Map.Entry::getValue).toArray();
    System.out.printf("fair-share: %s, Jain %.3f%n", got, jain(equal));
    assertThat(jain(equal)).as("Jain's index among equal clients").isGreaterThanOrEqualTo(0.95);
    assertThat(got.get("light")).as("light client gets its 5/s").isGreaterThanOrEqualTo(8 * 5 * 8 / 10);
    assertSafeAndUsed(referee, got, 8);
  }

  @Test
  void weightedSharesFollowTheWeights() throws Exception {
    startAllocator(ResourceConfig.builder("api").policy(AllocationPolicy.WEIGHTED)
        .weight("interactive-", 3).weight("batch-", 1));
    Referee referee = new Referee(100_000);
    Map<String, Long> got;
    try (Fleet fleet = new Fleet(zookeeper.getConnectString(), "policy", "api", referee)) {
      fleet.add("interactive-1", 2, 0).add("batch-1", 2, 0);
      got = measure(fleet, 3, 8);
    }
    double share = got.get("interactive-1") / (double) (got.get("interactive-1") + got.get("batch-1"));
    System.out.printf("weighted: %s, interactive share %.3f (target 0.75)%n", got, share);
    assertThat(share).as("interactive's share, weights 3:1").isBetween(0.70, 0.80);
    assertSafeAndUsed(referee, got, 8);
  }

  @Test
  void proportionalSharesFollowDemand() throws Exception {
    startAllocator(ResourceConfig.builder("api").policy(AllocationPolicy.PROPORTIONAL));
    Referee referee = new Referee(100_000);
    Map<String, Long> got;
    try (Fleet fleet = new Fleet(zookeeper.getConnectString(), "policy", "api", referee)) {
      fleet.add("big", 1, 400, false).add("small", 1, 100, false);
      got = measure(fleet, 3, 8);
    }
    double share = got.get("big") / (double) (got.get("big") + got.get("small"));
    System.out.printf("proportional: %s, big's share %.3f%n", got, share);
    assertThat(share).as("the client asking four times more gets about 4/5")
        .isBetween(0.70, 0.90);
    assertThat(got.get("small")).as("the small client is not starved").isGreaterThan(0);
    assertSafeAndUsed(referee, got, 8);
  }

  /** Permits each client acquired in {@code seconds} after {@code warmUp} seconds. */
  private static Map<String, Long> measure(Fleet fleet, int warmUp, int seconds)
      throws InterruptedException {
    fleet.start();
    Thread.sleep(TimeUnit.SECONDS.toMillis(warmUp));
    Map<String, Long> before = fleet.acquired();
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    Map<String, Long> after = fleet.acquired();
    after.replaceAll((id, n) -> n - before.get(id));
    return after;
  }

  private static void assertSafeAndUsed(Referee referee, Map<String, Long> got, int seconds) {
    long total = got.values().stream().mapToLong(Long::longValue).sum();
    assertThat(referee.busiestWindow(WINDOW)).as("busiest 1 s window").isLessThanOrEqualTo(LIMIT);
    assertThat(total).as("fleet total against %d/s for %d s", LIMIT, seconds)
        .isGreaterThanOrEqualTo((long) (0.85 * LIMIT * seconds));
  }

  /** Jain's fairness index: 1 when all are equal, 1/n when one takes everything. */
  static double jain(double[] xs) {
    double sum = 0;
    double squares = 0;
    for (double x : xs) {
      sum += x;
      squares += x * x;
    }
    return sum * sum / (xs.length * squares);
  }
}

package dev.leasehold.allocator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.client.Ticker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Clock-rate drift on real parts: an allocator and its clients whose clocks run 0.05% apart in
 * either direction, against the default drift bound of 0.1% (which covers two processes each
 * off by up to that much the other way). The referee keeps real time.
 *
 * <p>The leases last a second, ten times the default, so that the drift moves each lease's end
 * by half a millisecond rather than a twentieth. Drift far beyond the bound is the deterministic
 * simulator's to show ({@code dev.leasehold.sim.ClockDriftTest}); real clocks cannot be pushed
 * far enough, fast enough, for a test of a few seconds to see it.
 */
@Tag("chaos")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DriftingClockFleetTest {
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

  @ParameterizedTest(name = "allocator clock x{0}, client clocks x{1}")
  @CsvSource({"1.0005, 0.9995", "0.9995, 1.0005"})
  void driftWithinTheBoundKeepsEveryWindowWithinTheLimit(double allocatorRate, double clientRate)
      throws Exception {
    allocator = Allocator.builder().zookeeper(zookeeper.getConnectString()).namespace("drift")
        .resource(ResourceConfig.builder("api").limit(LIMIT, Duration.ofSeconds(1))
            .leaseTtl(Duration.ofSeconds(1)).maxLeasePermits(5).build())
        .ticker(new DriftingTicker(allocatorRate))
        .clockDriftBound(0.001)
        .build();
    allocator.start();
    for (int i = 0; i < 400 && !allocator.isLeader(); i++) {
      Thread.sleep(50);
    }
    assertThat(allocator.isLeader()).as("allocator leads").isTrue();

    Referee referee = new Referee(100_000);
    long start;
    long end;
    try (Fleet fleet = new Fleet(zookeeper.getConnectString(), "drift", "api", referee)) {
      fleet.ticker(new DriftingTicker(clientRate));
      for (int i = 0; i < 3; i++) {
        fleet.add("drifter-" + i, 2, 0);
      }
      fleet.start();
      start = System.nanoTime();
      Thread.sleep(7_000);
      end = System.nanoTime();
    }
    int worst = referee.busiestWindow(WINDOW);
    long from = start + WINDOW;
    double utilization = referee.admittedBetween(from, end) / (LIMIT * (end - from) / (double) WINDOW);
    System.out.printf("drift: allocator x%s, clients x%s: worst window %d/%d, utilization %.1f%%%n",
        allocatorRate, clientRate, worst, LIMIT, 100 * utilization);
    assertThat(worst).as("busiest 1 s window of real time").isLessThanOrEqualTo(LIMIT);
    assertThat(utilization).as("share of the limit used").isGreaterThanOrEqualTo(0.7);
  }

  /**
   * {@link System#nanoTime()} running {@code rate} times as fast from the moment it is made:
   * monotonic, as a ticker must be.
   */
  private static final class DriftingTicker implements Ticker {
    private final long origin = System.nanoTime();
    private final double rate;

    DriftingTicker(double rate) {
      this.rate = rate;
    }

    @Override
    public long read() {
      return origin + (long) ((System.nanoTime() - origin) * rate);
    }
  }
}

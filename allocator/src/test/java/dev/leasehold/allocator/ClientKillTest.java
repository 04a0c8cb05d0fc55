package dev.leasehold.allocator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client process killed with {@code SIGKILL} while it holds a lease never returns it. Its
 * permits must stay out of the fleet's reach until the lease's ttl has passed (the process could
 * have spent them up to its deadline) plus one window (spent permits count until then), and come
 * back after that.
 *
 * <p>Every lease here is exactly 50 permits of a 100-per-second limit, with a 4 s ttl, so the
 * arithmetic is visible: while the dead client's lease counts, the rest of the fleet gets at most
 * 50 in any window; afterwards, the whole 100.
 */
@Tag("chaos")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClientKillTest {
  private static final int LIMIT = 100;
  private static final int LEASE = 50;
  private static final long WINDOW = TimeUnit.SECONDS.toNanos(1);
  private static final Duration TTL = Duration.ofSeconds(4);
  private static final String NAMESPACE = "kill";

  private TestingServer zookeeper;
  private Allocator allocator;
  private ChildJvm doomed;

  @BeforeEach
  void start() throws Exception {
    zookeeper = new TestingServer(true);
    allocator = Allocator.builder().zookeeper(zookeeper.getConnectString()).namespace(NAMESPACE)
        .resource(ResourceConfig.builder("api").limit(LIMIT, Duration.ofSeconds(1))
            .minLeasePermits(LEASE).maxLeasePermits(LEASE).blockPermits(LEASE).leaseTtl(TTL)
            .build())
        .build();
    allocator.start();
    for (int i = 0; i < 400 && !allocator.isLeader(); i++) {
      Thread.sleep(50);
    }
    assertThat(allocator.isLeader()).as("allocator leads").isTrue();
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (doomed != null) {
        doomed.close();
      }
    } finally {
      allocator.close();
      zookeeper.close();
    }
  }

  @Test
  void permitsOfAClientKilledHoldingALeaseComeBackAfterItsTtlPlusAWindowNeverEarlier()
      throws Exception {
    Referee all = new Referee(100_000);
    Referee survivors = new Referee(100_000, all);
    try (RefereeServer server = new RefereeServer(all)) {
      // Spends 20 of its lease of 50 at 40 per second (too slowly to want a second lease).
      doomed = ChildJvm.start("doomed-client", WorkerMain.class, zookeeper.getConnectString(),
          NAMESPACE, "api", server.url(), "doomed", "hold", "20", "40");
      doomed.awaitLine("HOLDING", Duration.ofSeconds(60));
      long killAt = System.nanoTime();
      doomed.kill();
      int spentByDoomed = all.admitted();
      long requested = server.mark("doomed-requesting");
      long firstSpent = all.firstWindowAbove(WINDOW, 0, 0);

      long end;
      try (Fleet fleet = new Fleet(zookeeper.getConnectString(), NAMESPACE, "api", survivors)) {
        fleet.add("survivor-0", 1, 0).add("survivor-1", 1, 0).start();
        // Until well after the lease's end (at most ttl, stretched for drift, after its first
        // spend) plus a window.
        long until = firstSpent + TTL.toNanos() * 1002 / 1000 + WINDOW + TimeUnit.SECONDS.toNanos(4);
        TimeUnit.NANOSECONDS.sleep(Math.max(0, until - System.nanoTime()));
        end = System.nanoTime();
      }

      // The lease was asked for after 'requested', so the allocator's end for it is at least
      // ttl later, and its 50 permits count until a window after that.
      long earliestReturn = requested + TTL.toNanos() + WINDOW;
      long latestReturn = firstSpent + TTL.toNanos() * 1002 / 1000 + WINDOW
          + TimeUnit.SECONDS.toNanos(3);
      long back = survivors.firstWindowAbove(WINDOW, LIMIT - LEASE, killAt);
      int whileHeld = survivors.busiestWindowEndingBetween(WINDOW, killAt, Math.min(back, end));
      int afterwards = survivors.busiestWindowEndingBetween(WINDOW, back, end);
      long checked = server.checkedWindow(WINDOW);
      System.out.printf("client SIGKILL: the dead client spent %d and held a lease of %d (ttl %d"
              + " s); survivors' busiest window %d/%d while it counted, %d/%d after; permits back"
              + " %d ms after the kill, %d ms after the earliest allowed (ask + ttl + window), %d"
              + " ms before the latest expected; fleet busiest window %d/%d (checked %d ms)%n",
          spentByDoomed, LEASE, TTL.toSeconds(), whileHeld, LIMIT, afterwards, LIMIT,
          millis(back - killAt), millis(back - earliestReturn), millis(latestReturn - back),
          all.busiestWindow(checked), LIMIT, millis(checked));
      assertThat(spentByDoomed).as("calls the dead client made").isEqualTo(20);
      assertThat(all.overLimit(checked, LIMIT)).as("calls over the limit").isZero();
      assertThat(whileHeld).as("survivors' busiest window while the dead lease counted")
          .isLessThanOrEqualTo(LIMIT - LEASE).isGreaterThanOrEqualTo((LIMIT - LEASE) * 8 / 10);
      assertThat(back).as("the dead lease's permits come back, never earlier than its ask + ttl"
          + " + a window").isGreaterThanOrEqualTo(earliestReturn);
      assertThat(back).as("the dead lease's permits come back within 3 s of its end + a window")
          .isLessThanOrEqualTo(latestReturn);
      assertThat(afterwards).as("survivors' busiest window once it is back")
          .isGreaterThanOrEqualTo(LIMIT * 8 / 10);
    }
  }

  private static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}

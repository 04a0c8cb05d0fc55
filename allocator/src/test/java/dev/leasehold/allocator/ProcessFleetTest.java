package dev.leasehold.allocator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.proto.v1.LeaderInfo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Allocators and workers as separate JVMs, the process-strategy case: allocator processes
 * killed with {@code SIGKILL} (no shutdown hook, no clean leave: the standby takes over only
 * when the dead leader's ZooKeeper session times out), and worker processes that share one
 * limit through a referee on loopback standing in for the provider.
 */
@Tag("chaos")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcessFleetTest {
  private static final String NAMESPACE = "procs";
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(4);
  private static final long RESUME_BOUND = SESSION_TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(5);
  private static final long WINDOW = TimeUnit.SECONDS.toNanos(1);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private TestingServer zookeeper;
  private CuratorFramework zk;
  private final List<ChildJvm> children = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();

  @BeforeEach
  void startZooKeeper() throws Exception {
    zookeeper = new TestingServer(true);
    zk = CuratorFrameworkFactory.newClient(zookeeper.getConnectString(), new RetryOneTime(100));
    zk.start();
    zk.blockUntilConnected();
  }

  @AfterEach
  void stopEverything() throws Exception {
    try {
      ChildJvm.closeAll(children);
    } finally {
      zk.close();
      zookeeper.close();
    }
  }

  @Test
  void allocatorJvmKilledWithSigkillStandbyTakesOverWithinTheLimit() throws Exception {
    int limit = 200;
    startAllocators(limit);
    Referee referee = new Referee(100_000);
    long start;
    long killAt;
    long end;
    String killed;
    try (Fleet fleet = new Fleet(zookeeper.getConnectString(), NAMESPACE, "api", 8, 1, referee)) {
      fleet.start();
      start = System.nanoTime();
      Thread.sleep(3_000);
      killAt = System.nanoTime();
      killed = killLeader();
      Thread.sleep(SESSION_TIMEOUT.toMillis() + 6_000);
      end = System.nanoTime();
    }
    int worst = referee.busiestWindow(WINDOW);
    long gap = referee.longestGap(killAt, end);
    int lastTwoSeconds = referee.admittedBetween(end - TimeUnit.SECONDS.toNanos(2), end);
    System.out.printf("process allocator SIGKILL: worst window %d/%d, %d admitted in %d s,"
            + " longest gap after the kill %d ms, %d admitted in the last 2 s%n", worst, limit,
        referee.admitted(), TimeUnit.NANOSECONDS.toSeconds(end - start), millis(gap),
        lastTwoSeconds);
    assertThat(leaderEndpoint()).as("the standby leads").isNotNull().isNotEqualTo(killed);
    assertThat(worst).as("busiest 1 s window").isLessThanOrEqualTo(limit);
    assertThat(gap).as("longest pause in grants after the kill, ns").isLessThan(RESUME_BOUND);
    assertThat(lastTwoSeconds).as("admitted in the last 2 s").isGreaterThanOrEqualTo(limit);
  }

  @Test
  void workerJvmsNeverExceedTheLimitAtTheRefereeBeforeOrAfterALeaderSigkill() throws Exception {
    int limit = 100;
    int workers = 3;
    startAllocators(limit);
    try (RefereeServer server = new RefereeServer(new Referee(100_000))) {
      Referee referee = server.referee();
      List<ChildJvm> fleet = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        fleet.add(child(ChildJvm.start("worker-" + i, WorkerMain.class,
            zookeeper.getConnectString(), NAMESPACE, "api", server.url(), "worker-" + i,
            "hammer", "2", "22")));
      }
      for (ChildJvm worker : fleet) {
        worker.awaitLine("READY", START_TIMEOUT);
      }
      long start = System.nanoTime();
      Thread.sleep(5_000);
      long killAt = System.nanoTime();
      String killed = killLeader();
      Thread.sleep(SESSION_TIMEOUT.toMillis() + 6_000);
      long end = System.nanoTime();
      for (ChildJvm worker : fleet) {
        worker.awaitLine("DONE", Duration.ofSeconds(30));
        assertThat(worker.awaitExit(Duration.ofSeconds(10))).as(worker.name() + " exit").isZero();
      }

      int beforeKill = referee.busiestWindowEndingBetween(WINDOW, start, killAt);
      int afterKill = referee.busiestWindowEndingBetween(WINDOW, killAt, Long.MAX_VALUE);
      long checked = server.checkedWindow(WINDOW);
      int refused = referee.overLimit(checked, limit);
      long gap = referee.longestGap(killAt, end);
      int lastTwoSeconds = referee.admittedBetween(end - TimeUnit.SECONDS.toNanos(2), end);
      Referee acquired = server.acquired();
      System.out.printf("process workers: %d JVMs, %d calls at the referee; busiest 1 s window"
              + " %d/%d before the kill, %d/%d after (%d calls over the limit in a full window);"
              + " acquire to arrival at most %d ms, %d calls later than the 10 ms margin, so"
              + " windows of %d ms checked: %d over; by acquire time busiest %d/%d, %d over;"
              + " longest gap after the kill %d ms, %d calls in the last 2 s%n",
          workers, referee.admitted(), beforeKill, limit, afterKill, limit,
          referee.overLimit(WINDOW, limit), millis(server.maxDelayNanos()), server.lateCalls(),
          millis(checked), refused, acquired.busiestWindow(WINDOW), limit,
          acquired.overLimit(WINDOW, limit), millis(gap), lastTwoSeconds);
      assertThat(leaderEndpoint()).as("the standby leads").isNotNull().isNotEqualTo(killed);
      assertThat(server.delaysKnown()).as("acquire times on the referee's clock").isTrue();
      assertThat(acquired.overLimit(WINDOW, limit)).as("acquires over the limit").isZero();
      assertThat(refused).as("calls the provider would refuse with a 429").isZero();
      assertThat(beforeKill).as("the workers use the limit").isGreaterThanOrEqualTo(limit * 6 / 10);
      assertThat(gap).as("longest pause in calls after the kill, ns").isLessThan(RESUME_BOUND);
      assertThat(lastTwoSeconds).as("calls in the last 2 s").isGreaterThanOrEqualTo(limit);
    }
  }

  private ChildJvm child(ChildJvm child) {
    children.add(child);
    return child;
  }

  /** Starts two allocator processes of {@code api=LIMIT/1s}; returns once one leads. */
  private void startAllocators(int limit) throws Exception {
    for (int i = 0; i < 2; i++) {
      int port = freePort();
      ports.add(port);
      child(ChildJvm.start("allocator-" + i, AllocatorMain.class,
          "--zookeeper", zookeeper.getConnectString(), "--namespace", NAMESPACE,
          "--port", Integer.toString(port), "--limit", "api=" + limit + "/1s",
          "--session-timeout", SESSION_TIMEOUT.toSeconds() + "s"));
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (leaderEndpoint() == null || !ports.stream().allMatch(ProcessFleetTest::listening)) {
      assertThat(System.nanoTime() - deadline).as("allocators up within " + START_TIMEOUT)
          .isNegative();
      children.forEach(c -> assertThat(c.isAlive()).as(c.name() + " alive").isTrue());
      Thread.sleep(100);
    }
  }

  /** SIGKILLs the allocator process that leads; returns its endpoint. */
  private String killLeader() throws Exception {
    String endpoint = leaderEndpoint();
    int port = Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
    children.get(ports.indexOf(port)).kill();
    return endpoint;
  }

  /** The endpoint in the leader znode, or null while nobody leads. */
  private String leaderEndpoint() throws Exception {
    try {
      byte[] data = zk.getData().forPath(new ZkPaths(NAMESPACE).leader());
      return LeaderInfo.parseFrom(data).getEndpoint();
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}

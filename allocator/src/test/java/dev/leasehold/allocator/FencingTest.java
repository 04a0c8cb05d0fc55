package dev.leasehold.allocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.QuotaLimiter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An allocator whose epoch was superseded can no longer write the ledger, and stops granting. */
class FencingTest {
  private TestingServer zookeeper;
  private CuratorFramework zk;

  @BeforeEach
  void start() throws Exception {
    zookeeper = new TestingServer(true);
    zk = CuratorFrameworkFactory.newClient(zookeeper.getConnectString(), new RetryOneTime(100));
    zk.start();
    zk.blockUntilConnected();
  }

  @AfterEach
  void stop() throws Exception {
    zk.close();
    zookeeper.close();
  }

  @Test
  void writeUnderSupersededEpochIsRejectedAndLeavesTheLedgerAlone() throws Exception {
    BlockStore old = new BlockStore(zk, new ZkPaths("fence"));
    long oldEpoch = old.bumpEpoch(bytes("old"));
    BlockStore.Read read = old.read("api");
    LedgerRecord mine = new LedgerRecord(List.of(new LedgerRecord.Entry("1-b0", 5, 1000)));
    int version = old.write("api", mine, oldEpoch, read.version());

    long newEpoch = new BlockStore(zk, new ZkPaths("fence")).bumpEpoch(bytes("new"));
    assertThat(newEpoch).isGreaterThan(oldEpoch);

    LedgerRecord stale = new LedgerRecord(List.of(new LedgerRecord.Entry("1-b1", 99, 1000)));
    assertThatThrownBy(() -> old.write("api", stale, oldEpoch, version))
        .isInstanceOf(BlockStore.FencedException.class)
        .hasMessageContaining("epoch " + oldEpoch + " was superseded");
    assertThat(old.read("api").record()).isEqualTo(mine);
  }

  @Test
  void allocatorStopsItsTermWhenAnotherEpochIsBumpedBehindItsBack() throws Exception {
    try (Allocator allocator = Allocator.builder().zookeeper(zookeeper.getConnectString())
            .namespace("fence").limit("api", Limit.perSecond(100)).build()) {
      allocator.start();
      await().atMost(Duration.ofSeconds(20)).until(allocator::isLeader);
      long epoch = allocator.epoch();

      // Another leader's election: the epoch znode's version moves on.
      zk.setData().forPath("/fence/epoch", bytes("usurper"));

      // Demand forces a ledger write, which the fence must reject.
      try (LeaseholdClient client = LeaseholdClient.builder()
          .zookeeper(zookeeper.getConnectString()).namespace("fence").build()) {
        QuotaLimiter api = client.limiter("api");
        await().atMost(Duration.ofSeconds(20)).until(() -> {
          api.tryAcquire();
          return allocator.epoch() != epoch;
        });
      }
      assertThat(allocator.epoch()).as("the superseded term ended").isNotEqualTo(epoch);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

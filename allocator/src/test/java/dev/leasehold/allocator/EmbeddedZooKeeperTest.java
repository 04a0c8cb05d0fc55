package dev.leasehold.allocator;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.client.LeaseholdException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedZooKeeperTest {

  @Test
  void servesClientsOnLoopback() throws Exception {
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(0)) {
      assertThat(zk.connectString()).matches("127\\.0\\.0\\.1:\\d+");

      try (CuratorFramework client = connect(zk)) {
        client.create().creatingParentsIfNeeded().forPath("/leasehold/test", "hi".getBytes(UTF_8));

        assertThat(new String(client.getData().forPath("/leasehold/test"), UTF_8)).isEqualTo("hi");
      }
    }
  }

  @Test
  void keepsDataInAGivenDirAcrossRestarts(@TempDir Path dataDir) throws Exception {
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(0, dataDir);
        CuratorFramework client = connect(zk)) {
      client.create().forPath("/kept", "1".getBytes(UTF_8));
    }

    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(0, dataDir);
        CuratorFramework client = connect(zk)) {
      assertThat(client.checkExists().forPath("/kept")).isNotNull();
    }
    assertThat(dataDir).isNotEmptyDirectory();
  }

  @Test
  void portInUseFailsWithTheReason() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      assertThatThrownBy(() -> EmbeddedZooKeeper.start(port))
          .isInstanceOf(LeaseholdException.class)
          .hasMessageContaining("port " + port + " on 127.0.0.1 is in use");
    }
  }

  @Test
  void rejectsBadPort() {
    assertThatThrownBy(() -> EmbeddedZooKeeper.start(70000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port must be 0..65535, got 70000");
  }

  @Test
  void closeIsIdempotent() {
    EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(0);
    zk.close();
    zk.close();
  }

  private static CuratorFramework connect(EmbeddedZooKeeper zk) throws InterruptedException {
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(zk.connectString(), new RetryOneTime(100));
    client.start();
    assertThat(client.blockUntilConnected(10, TimeUnit.SECONDS)).as("connected").isTrue();
    return client;
  }
}

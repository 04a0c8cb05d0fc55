package dev.leasehold.allocator;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Persists ledger records in ZooKeeper under the leader's epoch fence: every write is a
 * {@code multi} of a version check on the epoch znode and the ledger write, so a deposed leader
 * cannot write, however long it was paused.
 */
final class BlockStore {
  private final CuratorFramework zk;
  private final ZkPaths paths;

  /** The epoch znode no longer has this leader's version: another leader was elected. */
  static final class FencedException extends Exception {
    private static final long serialVersionUID = 1L;

    FencedException(long epoch) {
      super("epoch " + epoch + " was superseded; this allocator no longer leads");
    }
  }

  BlockStore(CuratorFramework zk, ZkPaths paths) {
    this.zk = zk;
    this.paths = paths;
  }

  /** A ledger as read: its record and the znode version to write against. */
  record Read(LedgerRecord record, int version) {}

  /** Reads a resource's ledger, creating an empty one when there is none. */
  Read read(String resource) throws Exception {
    String path = paths.ledger(resource);
    try {
      zk.create().creatingParentContainersIfNeeded().forPath(path, new byte[0]);
    } catch (KeeperException.NodeExistsException e) {
      // Written by an earlier leader: read it below.
    }
    Stat stat = new Stat();
    byte[] data = zk.getData().storingStatIn(stat).forPath(path);
    return new Read(LedgerRecord.decode(data, path), stat.getVersion());
  }

  /**
   * Writes a record if the epoch is still {@code epoch}; returns the ledger znode's new version.
   *
   * @throws FencedException when another leader has bumped the epoch (or written the ledger)
   */
  int write(String resource, LedgerRecord record, long epoch, int version) throws Exception {
    CuratorOp check = zk.transactionOp().check().withVersion((int) epoch).forPath(paths.epoch());
    CuratorOp set = zk.transactionOp().setData().withVersion(version)
        .forPath(paths.ledger(resource), record.encode());
    try {
      var results = zk.transaction().forOperations(check, set);
      CuratorTransactionResult result = results.get(1);
      return result.getResultStat().getVersion();
    } catch (KeeperException.BadVersionException e) {
      throw new FencedException(epoch);
    }
  }

  /**
   * Increments the epoch znode's version; the new version is the new leader's epoch.
   */
  long bumpEpoch(byte[] owner) throws Exception {
    try {
      zk.create().creatingParentContainersIfNeeded().forPath(paths.epoch(), new byte[0]);
    } catch (KeeperException.NodeExistsException e) {
      // The usual case: an earlier leader created it.
    }
    for (int attempt = 0; ; attempt++) {
      Stat stat = zk.checkExists().forPath(paths.epoch());
      try {
        return zk.setData().withVersion(stat.getVersion()).forPath(paths.epoch(), owner)
            .getVersion();
      } catch (KeeperException.BadVersionException e) {
        if (attempt >= 5) {
          throw e;
        }
      }
    }
  }

  /** Publishes the leader znode (ephemeral), replacing any earlier leader's, under the fence. */
  void publishLeader(byte[] info, long epoch) throws Exception {
    String path = paths.leader();
    for (int attempt = 0; ; attempt++) {
      CuratorOp check = zk.transactionOp().check().withVersion((int) epoch).forPath(paths.epoch());
      CuratorOp create = zk.transactionOp().create()
          .withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).forPath(path, info);
      try {
        if (zk.checkExists().forPath(path) != null) {
          zk.transaction().forOperations(check, zk.transactionOp().delete().forPath(path), create);
        } else {
          zk.transaction().forOperations(check, create);
        }
        return;
      } catch (KeeperException.NoNodeException | KeeperException.NodeExistsException e) {
        if (attempt >= 5) {
          throw e;
        }
      } catch (KeeperException.BadVersionException e) {
        throw new FencedException(epoch);
      }
    }
  }
}

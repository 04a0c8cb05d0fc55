package dev.leasehold.allocator;

import java.util.ArrayList;
import java.util.List;
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

  /** One ledger to write: the resource, its new record, and the znode version it replaces. */
  record LedgerUpdate(String resource, LedgerRecord record, int version) {}

  /**
   * Writes a record if the epoch is still {@code epoch}; returns the ledger znode's new version.
   *
   * @throws FencedException when another leader has bumped the epoch (or written the ledger)
   */
  int write(String resource, LedgerRecord record, long epoch, int version) throws Exception {
    return writeAll(List.of(new LedgerUpdate(resource, record, version)), epoch).get(0);
  }

  /**
   * Writes several ledgers in one {@code multi}, behind one check of the epoch: all or none,
   * one round trip however many resources are due. Returns the new versions, in order.
   *
   * @throws FencedException when another leader has bumped the epoch (or written a ledger)
   */
  List<Integer> writeAll(List<LedgerUpdate> updates, long epoch) throws Exception {
    List<CuratorOp> ops = new ArrayList<>(updates.size() + 1);
    ops.add(zk.transactionOp().check().withVersion((int) epoch).forPath(paths.epoch()));
    for (LedgerUpdate u : updates) {
      ops.add(zk.transactionOp().setData().withVersion(u.version())
          .forPath(paths.ledger(u.resource()), u.record().encode()));
    }
    try {
      List<CuratorTransactionResult> results = zk.transaction().forOperations(ops);
      List<Integer> versions = new ArrayList<>(updates.size());
      for (int i = 1; i < results.size(); i++) {
        versions.add(results.get(i).getResultStat().getVersion());
      }
      return versions;
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

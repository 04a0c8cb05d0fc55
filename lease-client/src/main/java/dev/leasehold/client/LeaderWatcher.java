package dev.leasehold.client;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.leasehold.proto.v1.LeaderInfo;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;

/** Follows the leader znode, {@code /<namespace>/leader}, and tells when it changes. */
final class LeaderWatcher implements AutoCloseable {
  private final String path;
  private final CuratorCache cache;
  private volatile LeaderInfo leader = LeaderInfo.getDefaultInstance();

  LeaderWatcher(CuratorFramework zk, String namespace, Runnable onChange) {
    this.path = "/" + namespace + "/leader";
    this.cache = CuratorCache.build(zk, path, CuratorCache.Options.SINGLE_NODE_CACHE);
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forAll((type, oldData, data) -> {
          leader = type == CuratorCacheListener.Type.NODE_DELETED
              ? LeaderInfo.getDefaultInstance() : parse(data);
          onChange.run();
        })
        .build());
    cache.start();
  }

  private static LeaderInfo parse(ChildData data) {
    if (data == null || data.getData() == null || data.getData().length == 0) {
      return LeaderInfo.getDefaultInstance();
    }
    try {
      return LeaderInfo.parseFrom(data.getData());
    } catch (InvalidProtocolBufferException e) {
      return LeaderInfo.getDefaultInstance();
    }
  }

  /** The current leader, or the default instance (empty endpoint) when none is known. */
  LeaderInfo leader() {
    LeaderInfo now = leader;
    if (now.getEndpoint().isEmpty()) {
      now = parse(cache.get(path).orElse(null));
    }
    return now;
  }

  String path() {
    return path;
  }

  @Override
  public void close() {
    cache.close();
  }
}

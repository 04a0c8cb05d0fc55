package dev.leasehold.allocator;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.leasehold.client.LeaseholdException;
import dev.leasehold.client.Ticker;
import dev.leasehold.proto.v1.LeaderInfo;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The I/O around the ledgers: ZooKeeper session, election, fenced ledger writes, the upkeep
 * clock and the gRPC server. Leadership is a {@link LeaderTerm}; granting happens only while
 * one is installed, and it is removed the moment the session is suspended or a fenced write
 * fails.
 */
final class AllocatorServer {
  private static final Logger log = LoggerFactory.getLogger(Allocator.class);
  private static final long REJOIN_DELAY_MILLIS = 1000;
  /** Ledgers per multi: each record stays under ~16 KB, the multi far under jute.maxbuffer. */
  private static final int MAX_BATCH = 32;

  private final AllocatorSettings settings;
  private final Ticker ticker;
  private final ZkPaths paths;
  private final Map<String, ResourceConfig> resources = new LinkedHashMap<>();
  private final ExecutorService leadership;
  private final ExecutorService writer;
  private final ScheduledExecutorService upkeep;
  private final Set<String> writesDue = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean writerScheduled = new AtomicBoolean();
  private final AtomicLong elections = new AtomicLong();

  private CuratorFramework zk;
  private BlockStore store;
  private CuratorCache leaderCache;
  private LeaderLatch latch;
  private Server server;
  private LeaseServiceImpl service;
  private String endpoint;
  private volatile LeaderTerm term;
  private volatile boolean closed;

  AllocatorServer(AllocatorSettings settings) {
    this.settings = settings;
    this.ticker = settings.ticker();
    this.paths = new ZkPaths(settings.namespace());
    settings.resources().forEach(r -> resources.put(r.name(), r));
    this.leadership = Executors.newSingleThreadExecutor(daemon("leasehold-leadership-%d"));
    this.writer = Executors.newSingleThreadExecutor(daemon("leasehold-ledger-writer-%d"));
    this.upkeep = Executors.newSingleThreadScheduledExecutor(daemon("leasehold-upkeep-%d"));
  }

  private static java.util.concurrent.ThreadFactory daemon(String format) {
    return new ThreadFactoryBuilder().setNameFormat(format).setDaemon(true).build();
  }

  synchronized void start() {
    connect();
    serve();
    leaderCache = CuratorCache.build(zk, paths.leader(), CuratorCache.Options.SINGLE_NODE_CACHE);
    leaderCache.start();
    zk.getConnectionStateListenable().addListener((client, state) -> onConnectionState(state));
    long period = upkeepPeriodMillis();
    upkeep.scheduleWithFixedDelay(this::upkeep, period, period, TimeUnit.MILLISECONDS);
    joinElection();
    log.info("allocator serving on {} (namespace '{}', resources {})", endpoint,
        settings.namespace(), resources.values());
  }

  private void connect() {
    int sessionMs = (int) settings.sessionTimeout().toMillis();
    zk = CuratorFrameworkFactory.builder()
        .connectString(settings.zookeeper())
        .sessionTimeoutMs(sessionMs)
        .connectionTimeoutMs((int) Math.min(sessionMs, settings.connectionTimeout().toMillis()))
        .retryPolicy(new ExponentialBackoffRetry(100, 5, 2000))
        .build();
    zk.start();
    boolean connected;
    try {
      connected = zk.blockUntilConnected(
          (int) settings.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      connected = false;
    }
    if (!connected) {
      zk.close();
      throw new LeaseholdException("could not connect to ZooKeeper at '" + settings.zookeeper()
          + "' within " + settings.connectionTimeout().toMillis() + " ms; check that ZooKeeper is"
          + " running and the connect string is right");
    }
    store = new BlockStore(zk, paths);
  }

  private void serve() {
    service = new LeaseServiceImpl(resources, () -> term, this::knownLeader, this::queueWrite,
        ticker);
    try {
      server = NettyServerBuilder
          .forAddress(new InetSocketAddress(settings.bindAddress(), settings.port()))
          .addService(service)
          .build()
          .start();
    } catch (IOException e) {
      zk.close();
      throw new LeaseholdException("could not serve on " + settings.bindAddress() + ":"
          + settings.port()
          + ": " + e.getMessage() + "; pick another --port or 0 for a free one", e);
    }
    endpoint = settings.host() + ":" + server.getPort();
  }

  private long upkeepPeriodMillis() {
    long shortestTtl = resources.values().stream()
        .mapToLong(r -> r.leaseTtl().toMillis()).min().orElse(1000);
    return Math.max(2, Math.min(100, shortestTtl / 5));
  }

  // ---------------------------------------------------------------- election

  private void joinElection() {
    LeaderLatch next = new LeaderLatch(zk, paths.election(), endpoint,
        LeaderLatch.CloseMode.SILENT);
    long generation = elections.incrementAndGet();
    next.addListener(new LeaderLatchListener() {
      @Override
      public void isLeader() {
        leadership.execute(() -> takeOver(generation));
      }

      @Override
      public void notLeader() {
        leadership.execute(() -> stepDown("lost the election"));
      }
    });
    latch = next;
    try {
      next.start();
    } catch (Exception e) {
      throw new LeaseholdException("could not join the election at " + paths.election(), e);
    }
  }

  /** Becomes leader: a new epoch first, then the ledgers as the last leader left them. */
  private void takeOver(long generation) {
    if (closed || generation != elections.get() || !latch.hasLeadership()) {
      return;
    }
    try {
      long epoch = store.bumpEpoch(endpoint.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      Map<String, ResourceLedger> ledgers = new HashMap<>();
      Map<String, Integer> versions = new HashMap<>();
      for (ResourceConfig r : resources.values()) {
        BlockStore.Read read = store.read(r.name());
        long readAt = ticker.read();
        ledgers.put(r.name(), ResourceLedger.restore(r, epoch, settings.clockDriftBound(),
            read.record(), readAt));
        versions.put(r.name(), read.version());
      }
      store.publishLeader(LeaderInfo.newBuilder().setEndpoint(endpoint).setEpoch(epoch).build()
          .toByteArray(), epoch);
      if (!latch.hasLeadership() || generation != elections.get()) {
        return;
      }
      term = new LeaderTerm(epoch, ledgers, versions);
      log.info("leading namespace '{}' with epoch {} on {}", settings.namespace(), epoch, endpoint);
    } catch (Exception e) {
      // Not at once: a ledger this replica cannot read would make it flap, bumping the epoch.
      log.warn("could not take over leadership: {}; rejoining the election in {} ms",
          e.toString(), REJOIN_DELAY_MILLIS);
      stepDown("take-over failed");
      upkeep.schedule(() -> leadership.execute(this::rejoin), REJOIN_DELAY_MILLIS,
          TimeUnit.MILLISECONDS);
    }
  }

  private void stepDown(String why) {
    LeaderTerm old = term;
    term = null;
    if (old != null) {
      log.info("stopped leading (epoch {}): {}", old.epoch, why);
    }
  }

  /** Leaves the election and joins it again, so a new term starts with a new epoch. */
  private void rejoin() {
    stepDown("rejoining the election");
    if (closed) {
      return;
    }
    LeaderLatch old = latch;
    try {
      old.close();
    } catch (IOException | IllegalStateException e) {
      log.debug("closing the old latch: {}", e.toString());
    }
    joinElection();
  }

  private void onConnectionState(ConnectionState state) {
    switch (state) {
      case SUSPENDED:
      case LOST:
        // Stop granting at once: another replica may be elected while we cannot see it.
        stepDown("ZooKeeper connection " + state);
        break;
      case RECONNECTED:
        // A lease on leadership held across a suspension is not trusted: start a new term.
        leadership.execute(this::rejoin);
        break;
      default:
        break;
    }
  }

  private LeaderInfo knownLeader() {
    ChildData data = leaderCache == null ? null : leaderCache.get(paths.leader()).orElse(null);
    if (data == null || data.getData() == null) {
      return LeaderInfo.getDefaultInstance();
    }
    try {
      return LeaderInfo.parseFrom(data.getData());
    } catch (IOException e) {
      return LeaderInfo.getDefaultInstance();
    }
  }

  // ---------------------------------------------------------------- upkeep and writes

  private void upkeep() {
    LeaderTerm current = term;
    if (current == null) {
      service.serveWaiters(); // tells requests held under the last term who leads now
      return;
    }
    try {
      long now = ticker.read();
      for (ResourceLedger ledger : current.ledgers.values()) {
        ledger.tick(now);
      }
      for (String resource : current.ledgers.keySet()) {
        queueWrite(resource);
      }
      service.serveWaiters();
    } catch (RuntimeException e) {
      log.error("upkeep failed", e);
    }
  }

  /** Asks the writer to persist the resource's ledger if a write is due; coalesces requests. */
  private void queueWrite(String resource) {
    writesDue.add(resource);
    if (writerScheduled.compareAndSet(false, true)) {
      writer.execute(this::writeDue);
    }
  }

  /**
   * Persists every ledger with a write due, up to {@value #MAX_BATCH} in one fenced
   * {@code multi}: with many resources one writer thread would otherwise queue their block
   * reservations one round trip at a time, and grants would wait.
   */
  private void writeDue() {
    writerScheduled.set(false);
    LeaderTerm current = term;
    List<ResourceLedger.LedgerWrite> writes = new ArrayList<>();
    List<BlockStore.LedgerUpdate> updates = new ArrayList<>();
    for (Iterator<String> it = writesDue.iterator(); it.hasNext() && updates.size() < MAX_BATCH; ) {
      String resource = it.next();
      it.remove();
      ResourceLedger.LedgerWrite write = current == null ? null
          : current.ledgers.get(resource).prepareWrite(ticker.read());
      if (write != null) {
        writes.add(write);
        updates.add(new BlockStore.LedgerUpdate(resource, write.record(),
            current.ledgerVersion(resource)));
      }
    }
    if (!writesDue.isEmpty() && writerScheduled.compareAndSet(false, true)) {
      writer.execute(this::writeDue);
    }
    if (updates.isEmpty()) {
      return;
    }
    try {
      List<Integer> versions = store.writeAll(updates, current.epoch);
      long now = ticker.read();
      for (int i = 0; i < updates.size(); i++) {
        current.ledgerWritten(updates.get(i).resource(), versions.get(i));
        current.ledgers.get(updates.get(i).resource()).writeSucceeded(writes.get(i), now);
      }
      // A new block may be what waiting requests wait for.
      service.serveWaiters();
    } catch (BlockStore.FencedException e) {
      failed(current, updates, writes);
      log.warn("ledger write was fenced: {}", e.getMessage());
      leadership.execute(this::rejoin);
    } catch (Exception e) {
      failed(current, updates, writes);
      log.warn("ledger write for {} failed: {}",
          updates.stream().map(BlockStore.LedgerUpdate::resource).toList(), e.toString());
    }
  }

  private static void failed(LeaderTerm current, List<BlockStore.LedgerUpdate> updates,
      List<ResourceLedger.LedgerWrite> writes) {
    for (int i = 0; i < updates.size(); i++) {
      current.ledgers.get(updates.get(i).resource()).writeFailed(writes.get(i));
    }
  }

  // ---------------------------------------------------------------- accessors and close

  /** The ZooKeeper connection; for tests that expire its session. */
  CuratorFramework zookeeper() {
    return zk;
  }

  boolean isLeader() {
    return term != null;
  }

  String endpoint() {
    return endpoint;
  }

  int port() {
    return server.getPort();
  }

  long epoch() {
    LeaderTerm current = term;
    return current == null ? 0 : current.epoch;
  }

  synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stepDown("closed");
    upkeep.shutdownNow();
    leadership.shutdownNow();
    writer.shutdownNow();
    if (server != null) {
      server.shutdownNow();
    }
    try {
      if (latch != null) {
        latch.close();
      }
    } catch (IOException | IllegalStateException e) {
      log.debug("closing the latch: {}", e.toString());
    }
    if (leaderCache != null) {
      leaderCache.close();
    }
    if (zk != null) {
      zk.close();
    }
  }
}

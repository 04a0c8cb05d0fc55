package dev.leasehold.client;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import dev.leasehold.proto.v1.LeaseRequest;
import dev.leasehold.proto.v1.LeaseResponse;
import dev.leasehold.proto.v1.ResourceRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * A process's connection to a Leasehold fleet: it finds the allocator leader through ZooKeeper
 * and hands out one {@link QuotaLimiter} per resource.
 *
 * <pre>{@code
 * try (LeaseholdClient client = LeaseholdClient.builder()
 *     .zookeeper("zk1:2181,zk2:2181,zk3:2181")
 *     .build()) {
 *   QuotaLimiter openai = client.limiter("openai");
 *   String answer = openai.call(() -> llm.complete(prompt));
 * }
 * }</pre>
 *
 * <p>Create one client per process and share it. Thread-safe. Closing it returns every lease
 * it holds, so the rest of the fleet can use what this process did not spend.
 */
public final class LeaseholdClient implements AutoCloseable {
  private final Builder settings;
  private final CuratorFramework zk;
  private final LeaderWatcher leaders;
  private final LeaseFetcher fetcher;
  private final Map<String, ResourceLimiter> limiters = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private LeaseholdClient(Builder b) {
    this.settings = b;
    this.zk = connect(b);
    LeaseFetcher[] self = new LeaseFetcher[1];
    this.leaders = new LeaderWatcher(zk, b.namespace, () -> {
      if (self[0] != null) {
        self[0].leaderChanged();
      }
    });
    this.fetcher = new LeaseFetcher(b.clientId, b.ticker, leaders, b.requestTimeout.toMillis(),
        b.fallbackAfter.toMillis());
    self[0] = fetcher;
    fetcher.start();
  }

  private static CuratorFramework connect(Builder b) {
    int timeoutMs = (int) b.connectionTimeout.toMillis();
    CuratorFramework zk = CuratorFrameworkFactory.builder()
        .connectString(b.zookeeper)
        .connectionTimeoutMs(timeoutMs)
        .sessionTimeoutMs(Math.max(timeoutMs, 10_000))
        .retryPolicy(new ExponentialBackoffRetry(100, 5, 2000))
        .build();
    zk.start();
    try {
      if (zk.blockUntilConnected(timeoutMs, TimeUnit.MILLISECONDS)) {
        return zk;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    zk.close();
    throw new LeaseholdException("could not connect to ZooKeeper at '" + b.zookeeper + "' within "
        + timeoutMs + " ms; check that ZooKeeper is running and the connect string is right");
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the limiter of {@code resource}, the same instance on every call. The first call
   * asks the allocator leader for the resource's limits and waits up to the connection timeout
   * for an answer.
   *
   * @throws IllegalArgumentException if the allocator does not know the resource
   * @throws LeaseholdException if no allocator answers within the connection timeout
   * @throws IllegalStateException if the client is closed
   */
  public QuotaLimiter limiter(String resource) {
    requireNonNull(resource, "resource");
    if (closed) {
      throw new IllegalStateException("this LeaseholdClient is closed");
    }
    ResourceLimiter existing = limiters.get(resource);
    if (existing != null) {
      return existing;
    }
    synchronized (limiters) {
      existing = limiters.get(resource);
      if (existing != null) {
        return existing;
      }
      LeaseBuffer buffer = new LeaseBuffer(settings.ticker);
      buffer.maxAcquire(probe(resource));
      ResourceLimiter limiter =
          new ResourceLimiter(resource, buffer, settings.ticker, fetcher::wake);
      limiters.put(resource, limiter);
      fetcher.register(limiter);
      return limiter;
    }
  }

  /** Asks the leader about {@code resource}; returns its tightest limit's permits. */
  private long probe(String resource) {
    LeaseRequest request = LeaseRequest.newBuilder().setClientId(settings.clientId)
        .addResources(ResourceRequest.newBuilder().setResource(resource)).build();
    long deadline = System.nanoTime() + settings.connectionTimeout.toNanos();
    String lastProblem = "no leader registered at " + leaders.path();
    while (System.nanoTime() - deadline < 0) {
      try {
        LeaseResponse response = fetcher.call(request);
        if (response != null && !response.hasNotLeader()) {
          return LeaseFetcher.tightest(response.getGrants(0).getLimitsList());
        }
        lastProblem = response == null ? "no leader registered at " + leaders.path()
            : "the replica asked does not lead";
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
          throw new IllegalArgumentException(e.getStatus().getDescription()
              + "; add it to the allocator's config or fix the name", e);
        }
        lastProblem = e.getStatus().getCode() + " " + e.getStatus().getDescription();
      }
      sleep(100);
    }
    throw new LeaseholdException("no allocator answered for resource '" + resource
        + "' in namespace '" + settings.namespace + "' within "
        + settings.connectionTimeout.toMillis() + " ms (" + lastProblem + "); start one, e.g."
        + " java -jar leasehold-allocator.jar --zookeeper " + settings.zookeeper
        + " --namespace " + settings.namespace + " --limit " + resource + "=60/1m");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LeaseholdException("interrupted while waiting for an allocator", e);
    }
  }

  /** This client's id, as the allocator sees it. */
  public String clientId() {
    return settings.clientId;
  }

  /**
   * Returns every held lease to the allocator, stops the fetcher and disconnects. Blocked
   * acquires fail with {@link IllegalStateException}. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    fetcher.close();
    leaders.close();
    zk.close();
  }

  /** Builds a {@link LeaseholdClient}. Not thread-safe. */
  public static final class Builder {
    private String zookeeper;
    private String namespace = "leasehold";
    private String clientId = defaultClientId();
    private Duration connectionTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(2);
    private Duration fallbackAfter = Duration.ofSeconds(5);
    private Ticker ticker = Ticker.system();

    private Builder() {}

    private static String defaultClientId() {
      String host = ManagementFactory.getRuntimeMXBean().getName().replaceAll("[^!-~]", "_");
      return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** ZooKeeper connect string, {@code host:port[,host:port...]}; required. */
    public Builder zookeeper(String connectString) {
      this.zookeeper = requireNonNull(connectString, "connectString");
      return this;
    }

    /** The fleet's namespace, as given to its allocators; default {@code leasehold}. */
    public Builder namespace(String namespace) {
      this.namespace = requireNonNull(namespace, "namespace");
      return this;
    }

    /**
     * How the allocator tells this process apart for fair shares; default pid@host plus a
     * random suffix. 1-128 printable ASCII characters without spaces.
     */
    public Builder clientId(String clientId) {
      requireNonNull(clientId, "clientId");
      checkArgument(!clientId.isEmpty() && clientId.length() <= 128
              && clientId.chars().allMatch(c -> c > 32 && c < 127),
          "clientId must be 1-128 printable ASCII characters without spaces, got '%s'", clientId);
      this.clientId = clientId;
      return this;
    }

    /** How long {@link #build()} and a first {@link #limiter} wait for ZooKeeper and the allocator. */
    public Builder connectionTimeout(Duration timeout) {
      checkArgument(!timeout.isNegative() && !timeout.isZero(), "connectionTimeout must be > 0");
      this.connectionTimeout = timeout;
      return this;
    }

    /** Deadline of one lease request to the allocator; default 2 s. */
    public Builder requestTimeout(Duration timeout) {
      checkArgument(!timeout.isNegative() && !timeout.isZero(), "requestTimeout must be > 0");
      this.requestTimeout = timeout;
      return this;
    }

    /**
     * How long no allocator may answer before resources configured with a {@code local-share}
     * fallback are limited locally; default 5 s. Resources that fail closed (the default) are
     * not affected.
     */
    public Builder fallbackAfter(Duration after) {
      checkArgument(!after.isNegative(), "fallbackAfter must be >= 0");
      this.fallbackAfter = after;
      return this;
    }

    /** The clock leases are timed with; for tests. */
    public Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Connects to ZooKeeper and starts the lease fetcher.
     *
     * @throws IllegalStateException if no ZooKeeper connect string was given
     * @throws LeaseholdException if ZooKeeper cannot be reached within the connection timeout
     */
    public LeaseholdClient build() {
      if (zookeeper == null) {
        throw new IllegalStateException("no ZooKeeper connect string: call zookeeper(\"host:2181\")");
      }
      return new LeaseholdClient(this);
    }
  }
}

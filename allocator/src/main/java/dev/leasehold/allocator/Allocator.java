package dev.leasehold.allocator;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import dev.leasehold.client.Ticker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An allocator replica: it joins the election in ZooKeeper, and while it leads it grants
 * leases of each configured resource's quota over gRPC, recording its intent in a fenced block
 * ledger first. Several replicas share a namespace; one leads at a time.
 *
 * <pre>{@code
 * try (Allocator allocator = Allocator.builder()
 *     .zookeeper("zk1:2181,zk2:2181,zk3:2181")
 *     .limit("openai", Limit.perMinute(3500))
 *     .build()) {
 *   allocator.start();
 *   ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #start()} and {@link #close()} may each be called once.
 */
public final class Allocator implements AutoCloseable {
  // Filled in by the implementation: see AllocatorServer.
  private final AllocatorServer server;

  private Allocator(Builder b) {
    this.server = new AllocatorServer(b.settings());
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Connects to ZooKeeper, starts serving gRPC and joins the election. Returns once serving;
   * leadership may come later (see {@link #isLeader()}).
   *
   * @throws dev.leasehold.client.LeaseholdException when ZooKeeper cannot be reached within the
   *     connection timeout or the port cannot be bound
   */
  public void start() {
    server.start();
  }

  /** Whether this replica currently leads and grants leases. */
  public boolean isLeader() {
    return server.isLeader();
  }

  /** The ZooKeeper connection; for tests that expire its session. */
  org.apache.curator.framework.CuratorFramework zookeeper() {
    return server.zookeeper();
  }

  /** The {@code host:port} this replica serves on and publishes when it leads; after start. */
  public String endpoint() {
    return server.endpoint();
  }

  /** The port bound, useful when built with port 0; after start. */
  public int port() {
    return server.port();
  }

  /** The epoch of this replica's leadership, or 0 while it does not lead. */
  public long epoch() {
    return server.epoch();
  }

  /** Stops granting, leaves the election, stops serving and disconnects. Idempotent. */
  @Override
  public void close() {
    server.close();
  }

  /** Builds an {@link Allocator}. Not thread-safe. */
  public static final class Builder {
    private String zookeeper;
    private String namespace = "leasehold";
    private String host = "127.0.0.1";
    private String bindAddress;
    private int port;
    private final Map<String, ResourceConfig> resources = new LinkedHashMap<>();
    private Duration sessionTimeout = Duration.ofSeconds(10);
    private Duration connectionTimeout = Duration.ofSeconds(10);
    private Ticker ticker = Ticker.system();
    private double clockDriftBound = 0.001;

    private Builder() {}

    /** ZooKeeper connect string, {@code host:port[,host:port...]}; required. */
    public Builder zookeeper(String connectString) {
      this.zookeeper = requireNonNull(connectString, "connectString");
      return this;
    }

    /** ZooKeeper path prefix shared by the allocators and clients of one fleet; default {@code leasehold}. */
    public Builder namespace(String namespace) {
      requireNonNull(namespace, "namespace");
      checkArgument(namespace.matches("[A-Za-z0-9._-]+"),
          "namespace '%s' must be letters, digits, '.', '_' or '-'", namespace);
      this.namespace = namespace;
      return this;
    }

    /** The host clients should connect to, as published in ZooKeeper; default {@code 127.0.0.1}. */
    public Builder host(String host) {
      this.host = requireNonNull(host, "host");
      return this;
    }

    /**
     * The address to listen on, when it differs from {@link #host}: {@code 0.0.0.0} to serve
     * every interface, or a private address behind NAT. Default: the host.
     */
    public Builder bindAddress(String address) {
      this.bindAddress = requireNonNull(address, "address");
      return this;
    }

    /** The gRPC port; 0 (the default) picks a free one. */
    public Builder port(int port) {
      checkArgument(port >= 0 && port <= 65535, "port must be 0..65535, got %s", port);
      this.port = port;
      return this;
    }

    /** Adds a resource; its name must be unique. */
    public Builder resource(ResourceConfig resource) {
      requireNonNull(resource, "resource");
      checkArgument(resources.putIfAbsent(resource.name(), resource) == null,
          "resource '%s' is configured twice", resource.name());
      return this;
    }

    public Builder resources(Collection<ResourceConfig> all) {
      all.forEach(this::resource);
      return this;
    }

    /** Adds a resource with one limit and default lease bounds. */
    public Builder limit(String resource, Limit limit) {
      return resource(ResourceConfig.builder(resource).limit(limit).build());
    }

    /** Adds the resources of a YAML config file (see docs/configuration.md). */
    public Builder config(Path file) {
      return resources(ConfigFile.load(file));
    }

    /** ZooKeeper session timeout; a leader that loses its session for this long is replaced. */
    public Builder sessionTimeout(Duration timeout) {
      this.sessionTimeout = requireNonNull(timeout, "timeout");
      return this;
    }

    /** How long {@link Allocator#start()} waits for ZooKeeper before it fails. */
    public Builder connectionTimeout(Duration timeout) {
      this.connectionTimeout = requireNonNull(timeout, "timeout");
      return this;
    }

    /** The clock; for tests. */
    public Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /** The largest relative clock-rate difference between any two processes; default 0.001. */
    public Builder clockDriftBound(double bound) {
      checkArgument(bound >= 0 && bound < 0.1, "clockDriftBound must be in [0, 0.1), got %s", bound);
      this.clockDriftBound = bound;
      return this;
    }

    /** @throws IllegalStateException when no ZooKeeper or no resource was given */
    public Allocator build() {
      checkState(zookeeper != null, "no ZooKeeper connect string: call zookeeper(\"host:2181\")");
      checkState(!resources.isEmpty(), "no resource configured: add one with limit(...) or config(...)");
      return new Allocator(this);
    }

    AllocatorSettings settings() {
      return new AllocatorSettings(zookeeper, namespace, host,
          bindAddress == null ? host : bindAddress, port,
          List.copyOf(new ArrayList<>(resources.values())), sessionTimeout, connectionTimeout,
          ticker, clockDriftBound);
    }
  }
}

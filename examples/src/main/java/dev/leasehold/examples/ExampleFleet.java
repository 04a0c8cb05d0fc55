package dev.leasehold.examples;

import dev.leasehold.allocator.Allocator;
import dev.leasehold.allocator.EmbeddedZooKeeper;
import dev.leasehold.allocator.ResourceConfig;
import dev.leasehold.client.LeaseholdClient;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Where an example finds its allocators: the fleet named by {@code --zookeeper HOST:PORT}
 * [{@code --namespace NAME}], whose allocators must already serve the example's resources, or
 * else a ZooKeeper and an allocator started in this process, so the example runs with nothing
 * but a JDK.
 */
final class ExampleFleet implements AutoCloseable {
  private final String zookeeper;
  private final String namespace;
  private final EmbeddedZooKeeper embedded;
  private final Allocator allocator;

  private ExampleFleet(String zookeeper, String namespace, EmbeddedZooKeeper embedded,
      Allocator allocator) {
    this.zookeeper = zookeeper;
    this.namespace = namespace;
    this.embedded = embedded;
    this.allocator = allocator;
  }

  /** Where the allocators are: {@code zookeeper} is null when they should be started here. */
  record Where(String zookeeper, String namespace) {
    /**
     * Takes {@code --zookeeper} and {@code --namespace} out of {@code args}; what is left stays.
     *
     * @throws IllegalArgumentException if a flag lacks its value
     */
    static Where parse(List<String> args) {
      String zookeeper = take(args, "--zookeeper");
      String namespace = take(args, "--namespace");
      return new Where(zookeeper, namespace != null ? namespace : "leasehold");
    }

    /** Connects to the fleet named, or starts a local one serving {@code resources}. */
    ExampleFleet open(Collection<ResourceConfig> resources) throws InterruptedException {
      if (zookeeper != null) {
        return new ExampleFleet(zookeeper, namespace, null, null);
      }
      return startLocal(namespace, resources);
    }
  }

  /** {@code Where.parse(args).open(resources)}: for examples with no arguments of their own. */
  static ExampleFleet fromArgs(String[] args, Collection<ResourceConfig> resources)
      throws InterruptedException {
    List<String> rest = new ArrayList<>(List.of(args));
    Where where = Where.parse(rest);
    if (!rest.isEmpty()) {
      throw new IllegalArgumentException("unexpected arguments " + rest
          + "; usage: [--zookeeper HOST:PORT] [--namespace NAME]");
    }
    return where.open(resources);
  }

  /** Starts ZooKeeper and one allocator in this process, and waits until it leads. */
  static ExampleFleet startLocal(String namespace, Collection<ResourceConfig> resources)
      throws InterruptedException {
    EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(0);
    Allocator allocator = null;
    try {
      allocator = Allocator.builder().zookeeper(zk.connectString()).namespace(namespace)
          .resources(resources).build();
      allocator.start();
      for (int i = 0; i < 300 && !allocator.isLeader(); i++) {
        Thread.sleep(50);
      }
      if (!allocator.isLeader()) {
        throw new IllegalStateException("the local allocator did not become leader in 15 s");
      }
      return new ExampleFleet(zk.connectString(), namespace, zk, allocator);
    } catch (RuntimeException | InterruptedException e) {
      if (allocator != null) {
        allocator.close();
      }
      zk.close();
      throw e;
    }
  }

  private static String take(List<String> args, String flag) {
    int i = args.indexOf(flag);
    if (i < 0) {
      return null;
    }
    if (i + 1 >= args.size()) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    String value = args.get(i + 1);
    args.subList(i, i + 2).clear();
    return value;
  }

  String zookeeper() {
    return zookeeper;
  }

  String namespace() {
    return namespace;
  }

  /** The local allocator's {@code host:port}; only for a fleet started here. */
  String allocatorEndpoint() {
    if (allocator == null) {
      throw new IllegalStateException("no local allocator: the fleet was given with --zookeeper");
    }
    return allocator.endpoint();
  }

  /** Whether this fleet was started here rather than found with --zookeeper. */
  boolean isLocal() {
    return allocator != null;
  }

  /** A new client of this fleet; the caller closes it. */
  LeaseholdClient client(String clientId) {
    return LeaseholdClient.builder().zookeeper(zookeeper).namespace(namespace)
        .clientId(clientId).build();
  }

  @Override
  public void close() {
    if (allocator != null) {
      allocator.close();
    }
    if (embedded != null) {
      embedded.close();
    }
  }
}

package dev.leasehold.allocator;

import static com.google.common.base.Preconditions.checkArgument;

import dev.leasehold.client.LeaseholdException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node ZooKeeper server inside this process, listening on 127.0.0.1 only, so that an
 * allocator and its clients can run on one machine without installing ZooKeeper.
 *
 * <p><b>For development and demos, not production:</b> it is one node with no replication, so
 * the fleet's rate limits live and die with this process and its disk. In production, point
 * allocators at a ZooKeeper ensemble of three or five nodes.
 *
 * <pre>{@code
 * try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(0);
 *     Allocator allocator = Allocator.builder()
 *         .zookeeper(zk.connectString())
 *         .limit("openai", Limit.perMinute(3500))
 *         .build()) {
 *   allocator.start();
 *   ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. It accepts session timeouts from 1 s to 60 s.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
  // Standalone ZooKeeper starts in well under a second; a server that dies while starting
  // never reports it, so this bounds how long start() can hang.
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

  private final ZooKeeperServerEmbedded server;
  private final int port;
  private final Path workDir;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedZooKeeper(ZooKeeperServerEmbedded server, int port, Path workDir) {
    this.server = server;
    this.port = port;
    this.workDir = workDir;
  }

  /**
   * Starts a server on {@code 127.0.0.1:port} that keeps its data in a temporary directory,
   * deleted on {@link #close()}.
   *
   * @param port the client port, or 0 to pick a free one
   * @throws LeaseholdException when the port is in use or the server does not start
   */
  public static EmbeddedZooKeeper start(int port) {
    return start(port, null);
  }

  /**
   * Starts a server on {@code 127.0.0.1:port} that keeps its data in {@code dataDir}, created
   * if missing and kept on {@link #close()}, so that a restart finds its quota ledger again.
   *
   * @param port the client port, or 0 to pick a free one
   * @param dataDir where snapshots and transaction logs go
   * @throws LeaseholdException when the port is in use or the server does not start
   */
  public static EmbeddedZooKeeper start(int port, Path dataDir) {
    checkArgument(port >= 0 && port <= 65535, "port must be 0..65535, got %s", port);
    checkServerClasspath();
    Path workDir = createTempDir();
    try {
      Path data = dataDir != null ? dataDir.toAbsolutePath() : workDir.resolve("data");
      Files.createDirectories(data);
      int bound = port != 0 ? checkFree(port) : freePort();
      ZooKeeperServerEmbedded server = ZooKeeperServerEmbedded.builder()
          .baseDir(workDir)
          .configuration(properties(bound, data))
          // The default, EXIT, would System.exit() the whole process if the server dies.
          .exitHandler(ExitHandler.LOG_ONLY)
          .build();
      server.start(START_TIMEOUT.toMillis());
      logger.debug("embedded ZooKeeper started on 127.0.0.1:{}, data in {}", bound, data);
      return new EmbeddedZooKeeper(server, bound, workDir);
    } catch (LeaseholdException e) {
      deleteRecursively(workDir);
      throw e;
    } catch (Exception e) {
      deleteRecursively(workDir);
      throw new LeaseholdException("embedded ZooKeeper did not start on 127.0.0.1:"
          + (port == 0 ? "<free port>" : port) + ": " + e, e);
    }
  }

  private static Properties properties(int port, Path dataDir) {
    Properties p = new Properties();
    p.setProperty("clientPort", Integer.toString(port));
    p.setProperty("clientPortAddress", "127.0.0.1");
    p.setProperty("dataDir", dataDir.toString());
    // Short ticks let demos use short session timeouts; the max still allows the usual 10-60 s.
    p.setProperty("tickTime", "500");
    p.setProperty("minSessionTimeout", "1000");
    p.setProperty("maxSessionTimeout", "60000");
    // No Jetty on the classpath; ZooKeeper turns unknown keys into zookeeper.* system properties.
    p.setProperty("admin.enableServer", "false");
    return p;
  }

  /**
   * ZooKeeper's jar declares two libraries its server needs "provided", so a client-only
   * classpath lacks them and the server thread dies without telling start(); fail fast instead.
   */
  private static void checkServerClasspath() {
    List<String> missing = new ArrayList<>();
    requireClass("com.codahale.metrics.Reservoir", "io.dropwizard.metrics:metrics-core", missing);
    requireClass("org.xerial.snappy.SnappyInputStream", "org.xerial.snappy:snappy-java", missing);
    if (!missing.isEmpty()) {
      throw new LeaseholdException("cannot start embedded ZooKeeper: the ZooKeeper server needs "
          + String.join(" and ", missing) + " on the classpath (ZooKeeper declares them"
          + " 'provided'); add them as runtime dependencies");
    }
  }

  private static void requireClass(String className, String artifact, List<String> missing) {
    try {
      Class.forName(className, false, EmbeddedZooKeeper.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      missing.add(artifact);
    }
  }

  /**
   * ZooKeeper treats clientPort=0 as "no client port", so port 0 is resolved here. The window
   * between probing and binding is tiny, and a lost race fails loudly rather than silently.
   */
  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /**
   * A server that cannot bind never reports started, so start() would wait out its whole
   * timeout; probing first turns the common case into an immediate, clear error.
   */
  private static int checkFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      return port;
    } catch (IOException e) {
      throw new LeaseholdException("cannot start embedded ZooKeeper: port " + port
          + " on 127.0.0.1 is in use (" + e.getMessage() + "); stop whatever holds it, or pick"
          + " another port (0 picks a free one)", e);
    }
  }

  /** {@code 127.0.0.1:PORT}, for {@link Allocator.Builder#zookeeper(String)} and clients. */
  public String connectString() {
    return "127.0.0.1:" + port;
  }

  /** Stops the server and deletes its temporary files (not a caller's data dir). Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.close();
    deleteRecursively(workDir);
    logger.debug("embedded ZooKeeper on {} stopped", connectString());
  }

  @Override
  public String toString() {
    return "EmbeddedZooKeeper{" + connectString() + (closed.get() ? ", closed}" : "}");
  }

  private static Path createTempDir() {
    try {
      return Files.createTempDirectory("leasehold-zookeeper-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for ZooKeeper", e);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // Leftovers in the temp dir are harmless; do not mask the caller's real outcome.
      logger.debug("could not delete {}", dir, e);
    }
  }
}

package dev.leasehold.allocator;

import dev.leasehold.client.LeaseholdException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code leasehold-allocator} command: runs one allocator replica until SIGTERM or SIGINT.
 * Exit status: 0 after a signal, 1 when the allocator cannot start, 2 on bad usage.
 */
final class AllocatorMain {
  private static final Logger logger = LoggerFactory.getLogger(AllocatorMain.class);
  private static final String NAME = "leasehold-allocator";
  static final int DEFAULT_EMBEDDED_ZOOKEEPER_PORT = 2181;

  static final String USAGE = String.join("\n",
      "Usage: leasehold-allocator (--zookeeper HOST:PORT[,...] | --embedded-zookeeper [PORT])",
      "           (--limit NAME=PERMITS/WINDOW | --config FILE)... [options]",
      "",
      "Runs one allocator replica: it joins the election in ZooKeeper and, while it leads,",
      "leases each resource's quota to clients over gRPC. Run several for failover.",
      "",
      "ZooKeeper (exactly one):",
      "  --zookeeper HOST:PORT[,...]  the ZooKeeper ensemble to use",
      "  --embedded-zookeeper [PORT]  run a single-node ZooKeeper in this process on",
      "                               127.0.0.1:PORT (default 2181, 0 = any free port);",
      "                               for development and demos only",
      "",
      "Resources (at least one; each name once):",
      "  --limit NAME=PERMITS/WINDOW  a resource with one limit, e.g. openai=3500/1m;",
      "                               repeatable",
      "  --config FILE                a YAML file of resources; repeatable",
      "",
      "Options:",
      "  --namespace NAME             ZooKeeper namespace shared with clients",
      "                               (default leasehold)",
      "  --host HOST                  host clients connect to, as published in ZooKeeper",
      "                               (default 127.0.0.1)",
      "  --bind ADDRESS               address to listen on, e.g. 0.0.0.0 behind NAT or to",
      "                               serve every interface (default: the --host)",
      "  --port N                     gRPC port, 0..65535; 0 picks a free one (default 0)",
      "  --session-timeout DURATION   ZooKeeper session timeout (default 10s)",
      "  -h, --help                   print this help and exit",
      "",
      "WINDOW and DURATION are a whole number and a unit: 500ms, 1s, 1m, 1h.",
      "Exit status: 0 after SIGTERM/SIGINT, 1 if the allocator cannot start, 2 on bad usage.",
      "");

  private AllocatorMain() {}

  /** The parsed command line; {@code zookeeper} is null when the ZooKeeper is embedded. */
  record AllocatorOptions(
      boolean help,
      String zookeeper,
      OptionalInt embeddedZooKeeperPort,
      String namespace,
      String host,
      String bind,
      int port,
      List<ResourceConfig> resources,
      Duration sessionTimeout) {

    static final AllocatorOptions HELP = new AllocatorOptions(
        true, null, OptionalInt.empty(), "leasehold", "127.0.0.1", "127.0.0.1", 0, List.of(),
        Duration.ofSeconds(10));
  }

  /** A command line that cannot run; the message says what is wrong, without the program name. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }

    UsageException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public static void main(String[] args) {
    AllocatorOptions options;
    try {
      options = parse(args);
    } catch (UsageException e) {
      System.err.println(NAME + ": " + e.getMessage());
      System.err.println("run with --help for usage");
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.print(USAGE);
      System.out.flush();
      return;
    }
    System.exit(run(options));
  }

  /** Parses the command line; see {@link #USAGE}. */
  static AllocatorOptions parse(String... args) throws UsageException {
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        return AllocatorOptions.HELP;
      }
    }
    return new Parser(args).parse();
  }

  /** Starts the allocator and blocks until a signal; returns the exit status. */
  static int run(AllocatorOptions options) {
    Running running = new Running();
    // Registered before anything starts, so that a signal during startup still cleans up.
    Thread hook = new Thread(() -> {
      logger.info("shutting down");
      running.close();
      // A JVM stopped by SIGTERM exits 143, which supervisors report as a failure; a requested
      // stop that closed cleanly is a success. halt() is safe here: everything is closed.
      Runtime.getRuntime().halt(0);
    }, "leasehold-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      start(options, running);
    } catch (RuntimeException e) {
      if (e instanceof LeaseholdException) {
        System.err.println(NAME + ": " + e.getMessage());
      } else {
        logger.error("allocator failed to start", e);
        System.err.println(NAME + ": allocator failed to start: " + e);
      }
      removeShutdownHook(hook);
      running.close();
      return 1;
    }
    try {
      new CountDownLatch(1).await(); // until the hook halts the JVM
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static void start(AllocatorOptions options, Running running) {
    String connectString = options.zookeeper();
    if (options.embeddedZooKeeperPort().isPresent()) {
      running.zookeeper = EmbeddedZooKeeper.start(options.embeddedZooKeeperPort().getAsInt());
      connectString = running.zookeeper.connectString();
      logger.info("embedded ZooKeeper serving on {} (single node: for development only)",
          connectString);
    }
    running.allocator = Allocator.builder()
        .zookeeper(connectString)
        .namespace(options.namespace())
        .host(options.host())
        .bindAddress(options.bind())
        .port(options.port())
        .resources(options.resources())
        .sessionTimeout(options.sessionTimeout())
        .build();
    running.allocator.start();
  }

  private static void removeShutdownHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook closes everything and sets the status.
    }
  }

  /** What run() has started, for the shutdown hook. */
  private static final class Running {
    volatile EmbeddedZooKeeper zookeeper;
    volatile Allocator allocator;

    synchronized void close() {
      // The allocator first, so that it leaves the election while ZooKeeper is still up.
      try {
        if (allocator != null) {
          allocator.close();
        }
      } catch (RuntimeException e) {
        logger.warn("error closing the allocator", e);
      } finally {
        if (zookeeper != null) {
          zookeeper.close();
        }
      }
    }
  }

  /** One pass over the arguments; flags may be written {@code --flag VALUE} or {@code --flag=VALUE}. */
  private static final class Parser {
    private final String[] args;
    private int next;
    private final Map<String, String> seen = new LinkedHashMap<>();
    private final Map<String, String> resourceSource = new LinkedHashMap<>();
    private final List<ResourceConfig> resources = new ArrayList<>();

    private String zookeeper;
    private OptionalInt embeddedPort = OptionalInt.empty();
    private String namespace = "leasehold";
    private String host = "127.0.0.1";
    private String bind;
    private int port;
    private Duration sessionTimeout = Duration.ofSeconds(10);

    Parser(String[] args) {
      this.args = args;
    }

    AllocatorOptions parse() throws UsageException {
      while (next < args.length) {
        String arg = args[next++];
        if (!arg.startsWith("-")) {
          throw new UsageException("unexpected argument '" + arg + "'; flags start with --");
        }
        int eq = arg.indexOf('=');
        String flag = eq > 0 ? arg.substring(0, eq) : arg;
        String inline = eq > 0 ? arg.substring(eq + 1) : null;
        apply(flag, inline);
      }
      return finish();
    }

    private void apply(String flag, String inline) throws UsageException {
      switch (flag) {
        case "--zookeeper" -> zookeeper = zookeeper(once(flag, value(flag, inline)));
        case "--embedded-zookeeper" -> embeddedPort = OptionalInt.of(embeddedPort(flag, inline));
        case "--namespace" -> namespace = namespace(once(flag, value(flag, inline)));
        case "--host" -> host = host(flag, once(flag, value(flag, inline)));
        case "--bind" -> bind = host(flag, once(flag, value(flag, inline)));
        case "--port" -> port = port(flag, once(flag, value(flag, inline)));
        case "--limit" -> limit(value(flag, inline));
        case "--config" -> config(value(flag, inline));
        case "--session-timeout" ->
            sessionTimeout = sessionTimeout(once(flag, value(flag, inline)));
        default -> throw new UsageException("unknown flag '" + flag + "'");
      }
    }

    private AllocatorOptions finish() throws UsageException {
      if (zookeeper != null && embeddedPort.isPresent()) {
        throw new UsageException(
            "give either --zookeeper or --embedded-zookeeper, not both");
      }
      if (zookeeper == null && embeddedPort.isEmpty()) {
        throw new UsageException("no ZooKeeper: give --zookeeper HOST:PORT[,...], or"
            + " --embedded-zookeeper [PORT] to run one in this process");
      }
      if (resources.isEmpty()) {
        throw new UsageException("no resource: give at least one --limit NAME=PERMITS/WINDOW"
            + " (e.g. --limit openai=3500/1m) or --config FILE");
      }
      return new AllocatorOptions(false, zookeeper, embeddedPort, namespace, host,
          bind == null ? host : bind, port,
          List.copyOf(resources), sessionTimeout);
    }

    /** The flag's value: inline after '=', else the next argument, which must not be a flag. */
    private String value(String flag, String inline) throws UsageException {
      if (inline != null) {
        return inline;
      }
      if (next >= args.length || args[next].startsWith("--")) {
        throw new UsageException(flag + " needs a value");
      }
      return args[next++];
    }

    private String once(String flag, String value) throws UsageException {
      String earlier = seen.putIfAbsent(flag, value);
      if (earlier != null) {
        throw new UsageException(flag + " given twice ('" + earlier + "' and '" + value
            + "'); give it once");
      }
      return value;
    }

    private int embeddedPort(String flag, String inline) throws UsageException {
      // The port is optional, so only a following non-flag argument is taken as one.
      String value = inline;
      if (value == null && next < args.length && !args[next].startsWith("-")) {
        value = args[next++];
      }
      once(flag, value == null ? "" : value);
      return value == null ? DEFAULT_EMBEDDED_ZOOKEEPER_PORT : port(flag, value);
    }

    private static String zookeeper(String value) throws UsageException {
      if (value.isBlank() || value.chars().anyMatch(Character::isWhitespace)) {
        throw new UsageException("--zookeeper '" + value
            + "' is not a connect string; expected HOST:PORT[,HOST:PORT...], e.g. zk1:2181,zk2:2181");
      }
      return value;
    }

    private static String namespace(String value) throws UsageException {
      try {
        // The builder owns the rule; checking here turns a bad value into a usage error.
        Allocator.builder().namespace(value);
        return value;
      } catch (IllegalArgumentException e) {
        throw new UsageException("--namespace: " + e.getMessage(), e);
      }
    }

    private static String host(String flag, String value) throws UsageException {
      if (value.isBlank() || value.chars().anyMatch(Character::isWhitespace)) {
        throw new UsageException(flag + " '" + value + "' is not a host name or address");
      }
      return value;
    }

    private static int port(String flag, String value) throws UsageException {
      try {
        int port = Integer.parseInt(value);
        if (port >= 0 && port <= 65535) {
          return port;
        }
      } catch (NumberFormatException e) {
        // Reported below with the expected range.
      }
      throw new UsageException(flag + " '" + value + "' is not a port number 0..65535");
    }

    private static Duration sessionTimeout(String value) throws UsageException {
      Duration timeout;
      try {
        timeout = Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--session-timeout: " + e.getMessage(), e);
      }
      if (timeout.isZero()) {
        throw new UsageException("--session-timeout must be positive, got " + value);
      }
      return timeout;
    }

    private void limit(String value) throws UsageException {
      int eq = value.indexOf('=');
      if (eq <= 0) {
        throw new UsageException("--limit '" + value
            + "' is not of the form NAME=PERMITS/WINDOW, e.g. openai=3500/1m");
      }
      String name = value.substring(0, eq);
      ResourceConfig resource;
      try {
        resource = ResourceConfig.builder(name).limit(Limit.parse(value.substring(eq + 1))).build();
      } catch (IllegalArgumentException e) {
        throw new UsageException("--limit '" + value + "': " + e.getMessage(), e);
      }
      add(resource, "--limit " + value);
    }

    private void config(String value) throws UsageException {
      List<ResourceConfig> loaded;
      try {
        loaded = ConfigFile.load(Path.of(value));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--config: " + e.getMessage(), e);
      }
      for (ResourceConfig resource : loaded) {
        add(resource, "--config " + value);
      }
    }

    private void add(ResourceConfig resource, String source) throws UsageException {
      String earlier = resourceSource.putIfAbsent(resource.name(), source);
      if (earlier != null) {
        throw new UsageException("resource '" + resource.name() + "' is configured twice ("
            + earlier + " and " + source + "); configure each resource once");
      }
      resources.add(resource);
    }
  }
}

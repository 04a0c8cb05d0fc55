package dev.leasehold.examples;

import dev.leasehold.allocator.EmbeddedZooKeeper;
import dev.leasehold.examples.DemoOptions.Mode;
import dev.leasehold.proto.v1.LeaderInfo;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;

/**
 * The fleet demo: worker processes call a referee that stands in for a rate-limited provider,
 * first each with its own limiter ({@code --mode uncoordinated} or {@code divided}), then
 * sharing one limit through Leasehold, whose leader allocator is killed half-way. Run it with
 * {@code java -jar examples/target/leasehold-demo.jar --help}.
 *
 * <p>Everything runs on this machine with nothing but a JDK: an embedded ZooKeeper and the
 * referee in this JVM; two allocators and the workers as child JVMs started from the same jar.
 */
public final class Demo {
  private static final String RESOURCE = "provider";
  private static final String NAMESPACE = "leasehold-demo";
  /** Short, so the standby takes over within seconds of the kill; long enough for two busy cores. */
  private static final long SESSION_TIMEOUT_MILLIS = 3000;
  private static final long STARTUP_TIMEOUT_MILLIS = 90_000;
  private static final long TICK_MILLIS = 100;

  private final DemoOptions options;
  private final PrintStream out;
  private final boolean redraw;
  private final List<Worker> workers = new ArrayList<>();
  private final List<Replica> replicas = new ArrayList<>();
  private final List<String> events = new ArrayList<>();
  private int linesDrawn;

  /** Closes what it registered, last first, when the run ends however it ends. */
  private static final class Closer implements AutoCloseable {
    private final java.util.ArrayDeque<AutoCloseable> stack = new java.util.ArrayDeque<>();

    <C extends AutoCloseable> C register(C resource) {
      stack.push(resource);
      return resource;
    }

    @Override
    public void close() {
      Exception first = null;
      while (!stack.isEmpty()) {
        try {
          stack.pop().close();
        } catch (Exception e) {
          if (first == null) {
            first = e;
          } else {
            first.addSuppressed(e);
          }
        }
      }
      if (first instanceof RuntimeException e) {
        throw e;
      } else if (first != null) {
        throw new IllegalStateException("could not stop the demo cleanly: " + first, first);
      }
    }
  }

  /** The measured outcome of a run. */
  record Result(Mode mode, long admitted, long rejected, int busiestWindow, long limit,
      double utilization, double roundTripsPerThousand, long takeoverMillis) {}

  /** Counters a worker last reported. */
  private record Stats(long calls, long rejected, long waits, long waitedMillis, long roundTrips,
      long leases) {
    static final Stats ZERO = new Stats(0, 0, 0, 0, -1, -1);
  }

  private static final class Worker {
    final String name;
    final long demand;
    final CountDownLatch ready = new CountDownLatch(1);
    final CountDownLatch done = new CountDownLatch(1);
    volatile Stats stats = Stats.ZERO;
    ChildProcess process;

    Worker(String name, long demand) {
      this.name = name;
      this.demand = demand;
    }

    void onLine(String line) {
      if (line.equals("READY")) {
        ready.countDown();
      } else if (line.equals("DONE")) {
        done.countDown();
      } else if (line.startsWith("STAT ")) {
        String[] f = line.split(" ");
        stats = new Stats(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
            Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]));
      }
    }
  }

  private static final class Replica {
    volatile String endpoint = "";
    ChildProcess process;

    void onLine(String line) {
      if (line.startsWith("ENDPOINT ")) {
        endpoint = line.substring("ENDPOINT ".length());
      }
    }
  }

  Demo(DemoOptions options, PrintStream out, boolean redraw) {
    this.options = options;
    this.out = out;
    this.redraw = redraw;
  }

  public static void main(String[] args) {
    if (DemoOptions.wantsHelp(args)) {
      System.out.print(DemoOptions.USAGE);
      return;
    }
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (DemoOptions.UsageException e) {
      System.err.println("leasehold-demo: " + e.getMessage());
      System.err.println("run with --help for usage");
      System.exit(2);
      return;
    }
    // The jar's logging config is the allocator command's (info); the demo speaks for itself.
    System.setProperty("org.slf4j.simpleLogger.log.dev.leasehold", "warn");
    try {
      new Demo(options, System.out, System.console() != null).run();
    } catch (Exception e) {
      System.err.println("leasehold-demo: " + e.getMessage());
      System.exit(1);
    }
    System.exit(0);
  }

  /** Runs the demo, printing the live table and summary; returns what it measured. */
  Result run() throws Exception {
    Path logs = Files.createTempDirectory("leasehold-demo-");
    boolean completed = false;
    try (Closer closer = new Closer()) {
      long windowNanos = options.limit().window().toNanos();
      RefereeServer referee = closer.register(RefereeServer.start(
          new SlidingWindowReferee(options.limit().permits(), windowNanos)));
      CuratorFramework zk = null;
      String connectString = "-";
      if (options.mode() == Mode.LEASEHOLD) {
        EmbeddedZooKeeper server = closer.register(EmbeddedZooKeeper.start(0));
        connectString = server.connectString();
        zk = closer.register(CuratorFrameworkFactory.newClient(connectString, new RetryOneTime(100)));
        zk.start();
        startReplicas(connectString, logs, closer);
      }
      startWorkers(referee.url(), connectString, logs, closer);
      out.println(header());
      awaitReady();
      Result result = drive(referee.referee(), zk, windowNanos);
      completed = true;
      return result;
    } finally {
      if (completed) {
        deleteRecursively(logs);
      } else {
        System.err.println("leasehold-demo: child process logs are in " + logs);
      }
    }
  }

  private void startReplicas(String zookeeper, Path logs, Closer closer) throws IOException {
    for (int i = 1; i <= 2; i++) {
      Replica replica = new Replica();
      replica.process = closer.register(ChildProcess.start("allocator-" + i, AllocatorProcess.class,
          List.of(zookeeper, NAMESPACE, RESOURCE, options.limit().toString(),
              Long.toString(options.leaseSize()), Long.toString(SESSION_TIMEOUT_MILLIS)),
          logs, replica::onLine));
      replicas.add(replica);
    }
  }

  private void startWorkers(String refereeUrl, String zookeeper, Path logs, Closer closer)
      throws IOException {
    for (int i = 0; i < options.workers(); i++) {
      Worker worker = new Worker("w" + (i + 1), options.demandPerWindow(i));
      worker.process = closer.register(ChildProcess.start("worker-" + (i + 1), WorkerProcess.class,
          List.of(options.mode().name(), refereeUrl, RESOURCE, options.limit().toString(),
              Long.toString(options.localPermits()), Long.toString(worker.demand), zookeeper,
              NAMESPACE, "demo-" + worker.name),
          logs, worker::onLine));
      workers.add(worker);
    }
  }

  private String header() {
    String how = switch (options.mode()) {
      case LEASEHOLD -> "one limit leased by 2 allocators; the leader is killed at "
          + seconds(options.duration().toNanos() / 2);
      case UNCOORDINATED -> "each worker limits itself to the full limit";
      case DIVIDED -> "each worker limits itself to " + options.localPermits() + "/"
          + DemoOptions.format(options.limit().window());
    };
    return String.format(Locale.ROOT, "Leasehold demo: %d worker processes, limit %s, %s, %s%n"
            + "mode %s: %s%nstarting JVMs...", options.workers(), options.limit(),
        DemoOptions.format(options.duration()), DemoOptions.name(options.demand()) + " demand",
        DemoOptions.name(options.mode()), how);
  }

  /** Waits until every worker's limiter works, failing early if a child dies. */
  private void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STARTUP_TIMEOUT_MILLIS);
    for (Worker worker : workers) {
      while (!worker.ready.await(TICK_MILLIS, TimeUnit.MILLISECONDS)) {
        checkAlive();
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("worker " + worker.name + " was not ready within "
              + STARTUP_TIMEOUT_MILLIS / 1000 + " s; its log:\n" + worker.process.logTail());
        }
      }
    }
  }

  private void checkAlive() {
    for (Worker worker : workers) {
      if (!worker.process.isAlive()) {
        throw new IllegalStateException("worker " + worker.name + " exited early; its log:\n"
            + worker.process.logTail());
      }
    }
    for (Replica replica : replicas) {
      if (!replica.process.isAlive()) {
        throw new IllegalStateException(replica.process.name() + " exited early; its log:\n"
            + replica.process.logTail());
      }
    }
  }

  /** Runs the workers for the duration, drawing the table; returns the summary figures. */
  private Result drive(SlidingWindowReferee referee, CuratorFramework zk, long windowNanos)
      throws Exception {
    workers.forEach(w -> w.process.send("GO"));
    long start = System.nanoTime();
    long end = start + options.duration().toNanos();
    long killAt = start + options.duration().toNanos() / 2;
    long killedAt = 0;
    long takeoverMillis = -1;
    String killed = null;
    LeaderInfo leader = null;
    for (long tick = 1; ; tick++) {
      long next = start + TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS * tick);
      TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
      long now = System.nanoTime();
      if (zk != null) {
        leader = readLeader(zk);
        if (killed == null && now - killAt >= 0 && leader != null) {
          killed = killLeader(leader, now - start);
          killedAt = now;
        } else if (killed != null && takeoverMillis < 0 && leader != null
            && !leader.getEndpoint().equals(killed)) {
          takeoverMillis = TimeUnit.NANOSECONDS.toMillis(now - killedAt);
          events.add(String.format(Locale.ROOT, ">> %s  standby %s took over (epoch %d), %.1f s"
              + " after the kill", seconds(now - start), leader.getEndpoint(), leader.getEpoch(),
              takeoverMillis / 1000.0));
        }
      }
      if (now - end >= 0) {
        break;
      }
      if (tick % 10 == 0) {
        draw(now - start, referee, leader, killed);
      }
    }
    stopWorkers();
    long finish = System.nanoTime();
    draw(finish - start, referee, leader, killed);
    return summarize(referee, start, Math.min(finish, end), windowNanos, killedAt, takeoverMillis);
  }

  private static LeaderInfo readLeader(CuratorFramework zk) throws Exception {
    try {
      return LeaderInfo.parseFrom(zk.getData().forPath("/" + NAMESPACE + "/leader"));
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
  }

  /** SIGKILLs the replica that serves {@code leader}; returns its endpoint. */
  private String killLeader(LeaderInfo leader, long elapsed) {
    for (Replica replica : replicas) {
      if (replica.endpoint.equals(leader.getEndpoint())) {
        replica.process.kill();
        events.add(String.format(Locale.ROOT, ">> %s  SIGKILL to the leader allocator %s"
            + " (epoch %d, pid %d)", seconds(elapsed), leader.getEndpoint(), leader.getEpoch(),
            replica.process.pid()));
        return leader.getEndpoint();
      }
    }
    throw new IllegalStateException("the leader " + leader.getEndpoint()
        + " is none of the demo's allocators");
  }

  private void stopWorkers() throws InterruptedException {
    workers.forEach(w -> w.process.send("STOP"));
    for (Worker worker : workers) {
      if (!worker.done.await(10, TimeUnit.SECONDS)) {
        out.println("(worker " + worker.name + " did not stop in time; its last report counts)");
      }
      worker.process.stop(5000);
    }
  }

  // ------------------------------------------------------------------------ output

  private void draw(long elapsed, SlidingWindowReferee referee, LeaderInfo leader, String killed) {
    List<String> lines = new ArrayList<>(events);
    events.clear();
    String who = "";
    if (options.mode() == Mode.LEASEHOLD) {
      who = leader == null ? "leader: none"
          : "leader " + leader.getEndpoint() + " e" + leader.getEpoch()
              + (leader.getEndpoint().equals(killed) ? " (dead)" : "");
    }
    lines.add(String.format(Locale.ROOT, "%6s  %-36s last window %d/%d  429s %d",
        seconds(elapsed), who, referee.arrivedInLastWindow(System.nanoTime()),
        options.limit().permits(), referee.rejected()));
    lines.add(String.format(Locale.ROOT, "        %-6s %-8s %9s %7s %8s %8s %12s",
        "worker", "demand", "calls", "429s", "waits", "waited", "round trips"));
    for (Worker worker : workers) {
      Stats s = worker.stats;
      lines.add(String.format(Locale.ROOT, "        %-6s %-8s %9d %7d %8d %7.1fs %12s",
          worker.name, demand(worker), s.calls(), s.rejected(), s.waits(),
          s.waitedMillis() / 1000.0, s.roundTrips() < 0 ? "-" : Long.toString(s.roundTrips())));
    }
    if (redraw && linesDrawn > 0) {
      // Back to the top of the previous table and clear it: the table stays in place.
      out.print("\033[" + linesDrawn + "F\033[J");
    }
    lines.forEach(out::println);
    linesDrawn = 2 + workers.size();
    out.flush();
  }

  private String demand(Worker worker) {
    return worker.demand == 0 ? "max"
        : worker.demand + "/" + DemoOptions.format(options.limit().window());
  }

  private Result summarize(SlidingWindowReferee referee, long start, long end, long windowNanos,
      long killedAt, long takeoverMillis) {
    long permits = options.limit().permits();
    // The first window is warm-up: leases and local limiters all start empty.
    long from = start + windowNanos;
    double allowed = permits * (double) (end - from) / windowNanos;
    long admitted = referee.admittedBetween(from, end);
    double utilization = admitted / allowed;
    long calls = 0;
    long roundTrips = 0;
    long leases = 0;
    boolean measured = true;
    for (Worker worker : workers) {
      calls += worker.stats.calls();
      roundTrips += worker.stats.roundTrips();
      leases += worker.stats.leases();
      measured &= worker.stats.roundTrips() >= 0;
    }
    double perThousand = measured && calls > 0 ? 1000.0 * roundTrips / calls : Double.NaN;
    Result result = new Result(options.mode(), referee.admitted(), referee.rejected(),
        referee.busiestWindow(), permits, utilization, perThousand, takeoverMillis);

    out.println();
    out.printf(Locale.ROOT, "Summary (%s mode, %d workers, limit %s, %s):%n",
        DemoOptions.name(options.mode()), options.workers(), options.limit(),
        DemoOptions.format(options.duration()));
    out.printf(Locale.ROOT, "  limit utilization   %5.1f%%  (%d of %.0f allowed after the first"
        + " window)%n", 100 * utilization, admitted, allowed);
    if (killedAt != 0) {
      long pause = referee.longestGap(killedAt, end);
      double outside = admitted / (permits * (double) (end - from - pause) / windowNanos);
      out.printf(Locale.ROOT, "                      %5.1f%%  outside the %.1f s failover pause%n",
          100 * Math.min(1, outside), pause / 1e9);
    }
    out.printf(Locale.ROOT, "  worst window        %d requests in one %s window, limit %d%s%n",
        referee.busiestWindow(), DemoOptions.format(options.limit().window()), permits,
        referee.busiestWindow() > permits ? "  << over the limit" : "");
    out.printf(Locale.ROOT, "  429s                %d%n", referee.rejected());
    if (!Double.isNaN(perThousand)) {
      out.printf(Locale.ROOT, "  round trips         %.0f per 1,000 acquires (%d requests,"
          + " %d leases)%n", perThousand, roundTrips, leases);
    }
    if (takeoverMillis >= 0) {
      out.printf(Locale.ROOT, "  failover            standby led %.1f s after the kill (session"
          + " timeout %.0f s)%n", takeoverMillis / 1000.0,
          SESSION_TIMEOUT_MILLIS / 1000.0);
    }
    out.println(verdict(result));
    out.flush();
    return result;
  }

  private String verdict(Result r) {
    return switch (r.mode()) {
      case LEASEHOLD -> r.rejected() == 0
          ? "The fleet shared one limit: no 429s, even across the leader's death."
          : "UNEXPECTED: " + r.rejected() + " requests were over the limit. Please report this.";
      case UNCOORDINATED -> String.format(Locale.ROOT, "Each worker kept the limit alone; together"
          + " they sent up to %d per window%nand got %d 429s. Try --mode leasehold.",
          r.busiestWindow(), r.rejected());
      case DIVIDED -> String.format(Locale.ROOT, "No 429s, but %.0f%% of the quota went unused"
          + " while w1 waited for permits.%nTry --mode leasehold --demand skewed.",
          100 * Math.max(0, 1 - r.utilization()));
    };
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1fs", nanos / 1e9);
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // Leftover logs in the temp dir are harmless.
    }
  }
}

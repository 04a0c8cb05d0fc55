package dev.leasehold.benchmarks;

import dev.leasehold.proto.v1.LeaseRequest;
import dev.leasehold.proto.v1.LeaseResponse;
import dev.leasehold.proto.v1.LeaseReturn;
import dev.leasehold.proto.v1.LeaseServiceGrpc;
import dev.leasehold.proto.v1.ResourceRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;

/**
 * Drives one allocator (in its own JVM, see {@link AllocatorProcess}) with lease requests from
 * thousands of simulated clients, speaking the gRPC protocol directly. Each simulated client
 * asks for one resource and hands back its previous lease, fully used, on every request: the
 * steady state of a busy fleet. A closed loop keeps a fixed number of requests in flight, so
 * the latency printed is that of a saturated allocator, queueing included.
 *
 * <p>Prints one Markdown row per run: requests/s, share granted, latency, the allocator's CPU
 * (its process's CPU time over wall time, in cores) and live heap, and ZooKeeper writes per
 * minute (ledger znode version increments: each fenced write bumps the version by one).
 *
 * <pre>
 * java -cp benchmarks.jar dev.leasehold.benchmarks.AllocatorScale \
 *     [--runs CLIENTS:RESOURCES:WANTED,...] [--seconds 10] [--warmup 3] [--inflight 64]
 * </pre>
 */
public final class AllocatorScale {
  private static final int CHANNELS = 2;

  private final int seconds;
  private final int warmup;
  private final int inflight;

  private AllocatorScale(int seconds, int warmup, int inflight) {
    this.seconds = seconds;
    this.warmup = warmup;
    this.inflight = inflight;
  }

  public static void main(String[] args) throws Exception {
    String runs = Measured.arg(args, "runs",
        "1000:1:100,10000:1:100,1000:10:100,10000:10:100,1000:100:100,10000:100:100,"
            + "1000:1:10,1000:1:1000");
    AllocatorScale scale = new AllocatorScale(
        Integer.parseInt(Measured.arg(args, "seconds", "10")),
        Integer.parseInt(Measured.arg(args, "warmup", "3")),
        Integer.parseInt(Measured.arg(args, "inflight", "64")));
    System.out.printf(Locale.ROOT, "%d requests in flight over %d channels, %d s warm-up,"
        + " %d s measured; allocator in its own JVM%n%n", scale.inflight, CHANNELS, scale.warmup,
        scale.seconds);
    System.out.println("| clients | resources | permits wanted | lease requests/s | granted |"
        + " p50 ms | p99 ms | allocator CPU (cores) | allocator live heap MB |"
        + " ZK writes/min | ZK writes/min per resource |");
    System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    try (TestingServer zk = new TestingServer(true);
        CuratorFramework curator = CuratorFrameworkFactory.newClient(zk.getConnectString(),
            new RetryOneTime(100))) {
      curator.start();
      int index = 0;
      for (String run : runs.split(",")) {
        String[] p = run.split(":");
        scale.run(zk.getConnectString(), curator, "scale-" + index++, Integer.parseInt(p[0]),
            Integer.parseInt(p[1]), Long.parseLong(p[2]));
      }
    }
  }

  private void run(String zookeeper, CuratorFramework curator, String namespace, int clients,
      int resources, long wanted) throws Exception {
    Process allocator = startAllocator(zookeeper, namespace, resources);
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(allocator.getInputStream(),
          StandardCharsets.UTF_8));
      PrintWriter in = new PrintWriter(new OutputStreamWriter(allocator.getOutputStream(),
          StandardCharsets.UTF_8), true);
      String endpoint = readLine(out, "endpoint ");
      for (int i = 0; i < CHANNELS; i++) {
        channels.add(NettyChannelBuilder.forTarget(endpoint).usePlaintext().build());
      }
      Load load = new Load(channels, clients, resources, wanted);
      load.start(inflight);
      Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));

      long writesBefore = ledgerVersions(curator, namespace, resources);
      long cpuBefore = cpuNanos(allocator);
      long doneBefore = load.done.sum();
      long grantedBefore = load.granted.sum();
      load.latency.reset();
      long start = System.nanoTime();
      Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
      long elapsed = System.nanoTime() - start;
      long done = load.done.sum() - doneBefore;
      long granted = load.granted.sum() - grantedBefore;
      long cpu = cpuNanos(allocator) - cpuBefore;
      long writes = ledgerVersions(curator, namespace, resources) - writesBefore;
      Histogram latency = load.latency.getIntervalHistogram();
      load.stop();

      in.println("stats");
      long heap = Long.parseLong(readLine(out, "heap "));
      in.println("quit");
      double minutes = elapsed / 60e9;
      System.out.printf(Locale.ROOT,
          "| %,d | %d | %d | %,.0f | %.1f%% | %.2f | %.2f | %.2f | %.0f | %.0f | %.1f |%n",
          clients, resources, wanted, done / (elapsed / 1e9), 100.0 * granted / Math.max(1, done),
          latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
          (double) cpu / elapsed, heap / 1048576.0, writes / minutes,
          writes / minutes / resources);
      if (load.errors.sum() > 0) {
        System.out.println("  (errors: " + load.errors.sum() + ")");
      }
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
      if (!allocator.waitFor(10, TimeUnit.SECONDS)) {
        allocator.destroy();
        allocator.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static Process startAllocator(String zookeeper, String namespace, int resources)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx2g");
    // e.g. -Dscale.allocatorJvmArgs=-XX:StartFlightRecording=filename=a.jfr to profile it.
    String extra = System.getProperty("scale.allocatorJvmArgs", "").trim();
    if (!extra.isEmpty()) {
      command.addAll(List.of(extra.split("\\s+")));
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"),
        AllocatorProcess.class.getName(), "--zookeeper", zookeeper, "--namespace", namespace,
        "--resources", Integer.toString(resources)));
    File log = new File(System.getProperty("java.io.tmpdir"), "leasehold-" + namespace + ".log");
    return new ProcessBuilder(command).redirectError(log).start();
  }

  private static String readLine(BufferedReader out, String prefix) throws Exception {
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith(prefix)) {
        return line.substring(prefix.length()).trim();
      }
    }
    throw new IllegalStateException("allocator process ended before printing '" + prefix
        + "'; see its log in " + System.getProperty("java.io.tmpdir"));
  }

  private static long cpuNanos(Process process) {
    return process.info().totalCpuDuration().map(Duration::toNanos).orElseThrow(
        () -> new IllegalStateException("this OS does not report a child's CPU time"));
  }

  /** Sum of the ledger znodes' versions: each ledger write adds one. */
  private static long ledgerVersions(CuratorFramework curator, String namespace, int resources)
      throws Exception {
    long sum = 0;
    for (int i = 0; i < resources; i++) {
      Stat stat = curator.checkExists().forPath("/" + namespace + "/ledger/r" + i);
      sum += stat == null ? 0 : stat.getVersion();
    }
    return sum;
  }

  /** The simulated fleet: a closed loop of asynchronous lease requests. */
  private static final class Load {
    final List<LeaseServiceGrpc.LeaseServiceStub> stubs = new ArrayList<>();
    final String[] clientIds;
    final String[] resourceNames;
    final long wanted;
    /** Each simulated client's current lease, returned with its next request. */
    final AtomicReferenceArray<String> leases;
    final long[] leasePermits;
    final AtomicLong sequence = new AtomicLong();
    final AtomicInteger outstanding = new AtomicInteger();
    final LongAdder done = new LongAdder();
    final LongAdder granted = new LongAdder();
    final LongAdder errors = new LongAdder();
    final Recorder latency = new Recorder(3);
    volatile boolean running = true;

    Load(List<ManagedChannel> channels, int clients, int resources, long wanted) {
      channels.forEach(c -> stubs.add(LeaseServiceGrpc.newStub(c)));
      this.clientIds = new String[clients];
      for (int i = 0; i < clients; i++) {
        clientIds[i] = String.format(Locale.ROOT, "sim-%05d", i);
      }
      this.resourceNames = new String[resources];
      for (int i = 0; i < resources; i++) {
        resourceNames[i] = "r" + i;
      }
      this.wanted = wanted;
      this.leases = new AtomicReferenceArray<>(clients);
      this.leasePermits = new long[clients];
    }

    void start(int window) {
      for (int i = 0; i < window; i++) {
        send();
      }
    }

    /** Stops issuing and waits (bounded) for the requests in flight. */
    void stop() throws InterruptedException {
      running = false;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (outstanding.get() > 0 && System.nanoTime() - deadline < 0) {
        Thread.sleep(5);
      }
    }

    void send() {
      if (!running) {
        return;
      }
      long n = sequence.getAndIncrement();
      // Round robin: with more clients than requests in flight, no client has two at once.
      int client = (int) (n % clientIds.length);
      ResourceRequest.Builder r = ResourceRequest.newBuilder()
          .setResource(resourceNames[client % resourceNames.length])
          .setWanted(wanted).setMinPermits(1);
      String previous = leases.getAndSet(client, null);
      if (previous != null) {
        r.addReturns(LeaseReturn.newBuilder().setLeaseId(previous).setUsed(leasePermits[client]));
      }
      LeaseRequest request = LeaseRequest.newBuilder().setClientId(clientIds[client])
          .addResources(r).build();
      outstanding.incrementAndGet();
      long sentAt = System.nanoTime();
      stubs.get((int) (n % stubs.size())).withDeadlineAfter(5, TimeUnit.SECONDS)
          .lease(request, new StreamObserver<>() {
            @Override
            public void onNext(LeaseResponse response) {
              latency.recordValue(System.nanoTime() - sentAt);
              if (response.getGrantsCount() == 1 && response.getGrants(0).hasLease()) {
                granted.increment();
                leasePermits[client] = response.getGrants(0).getLease().getPermits();
                leases.set(client, response.getGrants(0).getLease().getLeaseId());
              }
            }

            @Override
            public void onError(Throwable t) {
              errors.increment();
              outstanding.decrementAndGet();
              send();
            }

            @Override
            public void onCompleted() {
              done.increment();
              outstanding.decrementAndGet();
              send();
            }
          });
    }
  }

  static {
    // Keep ZooKeeper's and Curator's chatter out of the table.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.dev.leasehold", "warn");
  }
}

package dev.leasehold.benchmarks;

import dev.leasehold.allocator.Allocator;
import dev.leasehold.allocator.Limit;
import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.QuotaLimiter;
import dev.leasehold.proto.v1.LeaseRequest;
import dev.leasehold.proto.v1.LeaseResponse;
import dev.leasehold.proto.v1.LeaseReturn;
import dev.leasehold.proto.v1.LeaseServiceGrpc;
import dev.leasehold.proto.v1.ResourceRequest;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.apache.curator.test.TestingServer;

/**
 * One worker with steady demand, acquiring a permit at a fixed rate, three ways: from Leasehold
 * leases, from Bucket4j over Redis, and by asking the allocator over gRPC for every permit.
 * Prints acquire latency (HdrHistogram) and network round trips per 1,000 acquires as a
 * Markdown table row per mode.
 *
 * <p>Latency is the time of the acquire call itself. A call slower than the pacing interval
 * delays the next one (the achieved rate is printed), so the per-call modes are measured at
 * what one thread can reach when they cannot keep the pace.
 *
 * <pre>
 * java -cp benchmarks.jar dev.leasehold.benchmarks.PerCallComparison \
 *     [--rate 20000] [--seconds 10] [--warmup 3] [--redis 127.0.0.1:6379] [--modes leasehold,redis,per-call]
 * </pre>
 */
public final class PerCallComparison {
  private static final String RESOURCE = "steady";
  /** 5x the default pace, so the limit never throttles; default lease size: 1/40 of it. */
  private static final long LIMIT_PER_SECOND = 100_000;

  static {
    // Keep ZooKeeper's and Curator's chatter out of the table.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.dev.leasehold", "warn");
  }

  private final int rate;
  private final long warmupNanos;
  private final long measureNanos;

  private PerCallComparison(int rate, int warmupSeconds, int seconds) {
    this.rate = rate;
    this.warmupNanos = TimeUnit.SECONDS.toNanos(warmupSeconds);
    this.measureNanos = TimeUnit.SECONDS.toNanos(seconds);
  }

  public static void main(String[] args) throws Exception {
    int rate = Integer.parseInt(Measured.arg(args, "rate", "20000"));
    int seconds = Integer.parseInt(Measured.arg(args, "seconds", "10"));
    int warmup = Integer.parseInt(Measured.arg(args, "warmup", "3"));
    String redis = Measured.arg(args, "redis", "");
    String modes = Measured.arg(args, "modes", redis.isEmpty() ? "leasehold,per-call"
        : "leasehold,redis,per-call");
    PerCallComparison run = new PerCallComparison(rate, warmup, seconds);
    System.out.printf(Locale.ROOT, "paced at %d acquires/s, %d s warm-up, %d s measured%n%n",
        rate, warmup, seconds);
    System.out.println("| mode | acquires | achieved/s | denied | p50 µs | p99 µs | p99.9 µs"
        + " | max µs | round trips | round trips / 1,000 acquires |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    try (TestingServer zk = new TestingServer(true);
        Allocator allocator = Allocator.builder().zookeeper(zk.getConnectString())
            .limit(RESOURCE, Limit.perSecond(LIMIT_PER_SECOND)).build()) {
      allocator.start();
      for (String mode : modes.split(",")) {
        switch (mode) {
          case "leasehold" -> run.leasehold(zk.getConnectString());
          case "redis" -> run.redis(redis);
          case "per-call" -> run.perCall(allocator.endpoint());
          default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
      }
    }
  }

  private void leasehold(String zookeeper) throws Exception {
    try (LeaseholdClient client = LeaseholdClient.builder().zookeeper(zookeeper).build()) {
      QuotaLimiter limiter = client.limiter(RESOURCE);
      Duration wait = Duration.ofSeconds(1);
      measure("Leasehold (leases, prefetch)", () -> {
        try {
          return limiter.tryAcquire(1, wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }, Measured::grpcCallsServed);
    }
  }

  private void redis(String hostPort) {
    RedisClient redis = RedisClient.create("redis://" + hostPort);
    try (StatefulRedisConnection<byte[], byte[]> connection = redis.connect(ByteArrayCodec.INSTANCE);
        StatefulRedisConnection<String, String> info = redis.connect(StringCodec.UTF8)) {
      BucketProxy bucket = Bucket4jLettuce.casBasedBuilder(connection)
          .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
              Duration.ofMinutes(1)))
          .build()
          .builder()
          .build("leasehold-bench".getBytes(StandardCharsets.UTF_8), () ->
              BucketConfiguration.builder()
                  .addLimit(l -> l.capacity(LIMIT_PER_SECOND)
                      .refillGreedy(LIMIT_PER_SECOND, Duration.ofSeconds(1)))
                  .build());
      // Commands the server processed; the INFO call itself adds one per reading.
      LongSupplier commands = () -> {
        for (String line : info.sync().info("stats").split("\r?\n")) {
          if (line.startsWith("total_commands_processed:")) {
            return Long.parseLong(line.substring(line.indexOf(':') + 1).trim()) - 1;
          }
        }
        throw new IllegalStateException("no total_commands_processed in INFO stats");
      };
      measure("Bucket4j over Redis (Lettuce, CAS)", () -> bucket.tryConsume(1), commands);
    } finally {
      redis.shutdown();
    }
  }

  private void perCall(String endpoint) {
    ManagedChannel channel = NettyChannelBuilder.forTarget(endpoint).usePlaintext().build();
    try {
      LeaseServiceGrpc.LeaseServiceBlockingStub stub = LeaseServiceGrpc.newBlockingStub(channel);
      String[] last = {null};
      measure("per-call gRPC to the allocator", () -> {
        // One permit per call; the previous permit's lease rides back on the same request,
        // as the protocol allows, so it costs no extra round trip.
        ResourceRequest.Builder r = ResourceRequest.newBuilder().setResource(RESOURCE)
            .setWanted(1).setMinPermits(1);
        if (last[0] != null) {
          r.addReturns(LeaseReturn.newBuilder().setLeaseId(last[0]).setUsed(1));
        }
        LeaseResponse response = stub.withDeadlineAfter(2, TimeUnit.SECONDS).lease(
            LeaseRequest.newBuilder().setClientId("per-call-worker").addResources(r).build());
        boolean granted = response.getGrantsCount() == 1 && response.getGrants(0).hasLease();
        last[0] = granted ? response.getGrants(0).getLease().getLeaseId() : null;
        return granted;
      }, Measured::grpcCallsServed);
    } finally {
      channel.shutdownNow();
    }
  }

  /** Paces {@code acquire} at the rate: warm-up, then a measured phase; prints one row. */
  private void measure(String name, BooleanSupplier acquire, LongSupplier roundTrips) {
    run(acquire, warmupNanos, null);
    Histogram latency = Measured.nanosHistogram();
    long tripsBefore = roundTrips.getAsLong();
    long start = System.nanoTime();
    long[] counts = run(acquire, measureNanos, latency);
    double elapsed = (System.nanoTime() - start) / 1e9;
    long trips = roundTrips.getAsLong() - tripsBefore;
    System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %d | %s | %d | %.2f |%n", name, counts[0],
        counts[0] / elapsed, counts[1], Measured.percentiles(latency), trips,
        1000.0 * trips / counts[0]);
  }

  /** Returns {acquires, denied}. Bounded by {@code nanos} of wall time. */
  private long[] run(BooleanSupplier acquire, long nanos, Histogram latency) {
    long interval = 1_000_000_000L / rate;
    long start = System.nanoTime();
    long end = start + nanos;
    long next = start;
    long acquires = 0;
    long denied = 0;
    while (true) {
      long now;
      while ((now = System.nanoTime()) - next < 0) {
        Thread.onSpinWait();
      }
      if (now - end >= 0) {
        break;
      }
      long before = System.nanoTime();
      boolean granted = acquire.getAsBoolean();
      long took = System.nanoTime() - before;
      if (latency != null) {
        latency.recordValue(Math.max(1, took));
      }
      acquires++;
      if (!granted) {
        denied++;
      }
      // A slow call pushes the schedule back instead of bursting to catch up.
      next = Math.max(next + interval, now);
    }
    return new long[] {acquires, denied};
  }
}

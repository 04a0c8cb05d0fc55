package dev.leasehold.client;

import dev.leasehold.allocator.Allocator;
import dev.leasehold.allocator.Limit;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Leasehold's granted {@code tryAcquire()}: straight on a {@link LeaseBuffer} holding one huge
 * lease (the hot path alone), and through the public {@link QuotaLimiter} of a real client
 * fed by a real allocator on loopback (what users see, leases and prefetch included).
 *
 * <p>Lives in {@code dev.leasehold.client} to reach the package-private buffer; the benchmarks
 * jar is a plain classpath, so the split package is harmless.
 */
@BenchmarkMode({Mode.AverageTime, Mode.Throughput})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LeaseholdAcquireBenchmark {

  /** A buffer with a lease that neither runs dry nor expires during the run. */
  @State(Scope.Benchmark)
  public static class LiveLease {
    final Ticker ticker = Ticker.system();
    LeaseBuffer buffer;

    @Setup
    public void setUp() {
      buffer = new LeaseBuffer(ticker);
      long ttl = TimeUnit.HOURS.toNanos(1);
      buffer.install(newLease("bench", Long.MAX_VALUE / 4, ticker.read() + ttl, ticker.read()),
          ttl);
    }
  }

  /**
   * Builds a {@link HeldLease} through whichever package-private constructor it has now
   * ({@code (id, permits, deadline)} or with a trailing receive time): its signature is internal
   * and still moving, and a benchmark must not break the build when it does.
   */
  static HeldLease newLease(String id, long permits, long deadline, long receivedAt) {
    try {
      for (java.lang.reflect.Constructor<?> c : HeldLease.class.getDeclaredConstructors()) {
        Class<?>[] types = c.getParameterTypes();
        if (types.length >= 3 && types[0] == String.class) {
          Object[] args = new Object[types.length];
          args[0] = id;
          args[1] = permits;
          args[2] = deadline;
          for (int i = 3; i < types.length; i++) {
            args[i] = receivedAt;
          }
          return (HeldLease) c.newInstance(args);
        }
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build a HeldLease", e);
    }
    throw new IllegalStateException("no HeldLease(String id, long permits, long deadline, ...)");
  }

  /**
   * A real client and allocator on an in-process ZooKeeper. The limit is so far above the call
   * rate that leases never run dry; they still expire every lease ttl (100 ms), so the
   * measurement includes switching to the prefetched lease.
   */
  @State(Scope.Benchmark)
  public static class RealClient {
    TestingServer zookeeper;
    Allocator allocator;
    LeaseholdClient client;
    QuotaLimiter limiter;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      zookeeper = new TestingServer(true);
      allocator = Allocator.builder()
          .zookeeper(zookeeper.getConnectString())
          .limit("bench", Limit.perSecond(40_000_000_000L))
          .build();
      allocator.start();
      client = LeaseholdClient.builder().zookeeper(zookeeper.getConnectString()).build();
      limiter = client.limiter("bench");
      // Wait for the first lease, so the measurement starts on the granted path.
      if (!limiter.tryAcquire(1, java.time.Duration.ofSeconds(10))) {
        throw new IllegalStateException("no lease within 10 s");
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      client.close();
      allocator.close();
      zookeeper.close();
    }
  }

  @Benchmark
  public boolean leaseBuffer(LiveLease s) {
    return s.buffer.tryAcquire(1);
  }

  @Benchmark
  public boolean quotaLimiter(RealClient s) {
    return s.limiter.tryAcquire();
  }
}

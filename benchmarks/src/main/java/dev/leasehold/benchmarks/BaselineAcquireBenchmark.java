package dev.leasehold.benchmarks;

import com.google.common.util.concurrent.RateLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What a granted acquire costs in the limiters Leasehold is compared with, and the two floors
 * no limiter can beat: a bare compare-and-set, and the same CAS plus the one clock read that a
 * time-boxed lease needs to stay safe (DESIGN.md section 6).
 *
 * <p>Every limiter is configured far above the call rate, so nearly every call is granted and
 * the benchmark measures the granted path only. Each benchmark has its own state object, so
 * running one does not build the others.
 */
@BenchmarkMode({Mode.AverageTime, Mode.Throughput})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BaselineAcquireBenchmark {
  /** Permits per second for the rate-based limiters: ~30x above what two cores can ask. */
  static final long RATE = 1_000_000_000L;

  /** The floor: decrement-if-positive on one shared counter. */
  @State(Scope.Benchmark)
  public static class Counter {
    final AtomicLong remaining = new AtomicLong(Long.MAX_VALUE / 4);
    final long deadline = System.nanoTime() + TimeUnit.HOURS.toNanos(1);

    boolean tryAcquire() {
      AtomicLong r = remaining;
      long v;
      do {
        v = r.get();
        if (v < 1) {
          return false;
        }
      } while (!r.weakCompareAndSetVolatile(v, v - 1));
      return true;
    }
  }

  @State(Scope.Benchmark)
  public static class Guava {
    final RateLimiter limiter = RateLimiter.create(RATE);
  }

  @State(Scope.Benchmark)
  public static class Resilience4j {
    AtomicRateLimiter limiter;

    @Setup
    public void setUp() {
      limiter = new AtomicRateLimiter("bench", RateLimiterConfig.custom()
          .limitForPeriod(Integer.MAX_VALUE)
          .limitRefreshPeriod(Duration.ofSeconds(1))
          .timeoutDuration(Duration.ZERO)
          .build());
    }
  }

  @State(Scope.Benchmark)
  public static class Bucket4jLocal {
    Bucket bucket;

    @Setup
    public void setUp() {
      // The default synchronization strategy: lock-free, as users get it from the builder.
      bucket = Bucket.builder()
          .addLimit(Bandwidth.builder().capacity(RATE).refillGreedy(RATE, Duration.ofSeconds(1))
              .build())
          .build();
    }
  }

  @Benchmark
  public boolean atomicLongCas(Counter c) {
    return c.tryAcquire();
  }

  /** The safe floor: the clock is read after the decrement, as a time-boxed lease must. */
  @Benchmark
  public boolean safeFloorNanoTimeCas(Counter c) {
    return c.tryAcquire() && System.nanoTime() - c.deadline < 0;
  }

  @Benchmark
  public boolean guavaRateLimiter(Guava g) {
    return g.limiter.tryAcquire();
  }

  @Benchmark
  public boolean resilience4jAtomicRateLimiter(Resilience4j r) {
    return r.limiter.acquirePermission();
  }

  @Benchmark
  public boolean bucket4jLocal(Bucket4jLocal b) {
    return b.bucket.tryConsume(1);
  }
}

package dev.leasehold.benchmarks;

import io.grpc.InternalChannelz;
import io.grpc.InternalInstrumented;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** Helpers shared by the load generators: counting gRPC calls, printing histograms. */
final class Measured {
  private Measured() {}

  /**
   * Calls started on every gRPC server of this process, from grpc-java's always-on channelz
   * registry. The allocator builds its server internally; channelz sees it all the same, so
   * round trips are counted where they land without a hook in the product code.
   */
  static long grpcCallsServed() {
    long sum = 0;
    try {
      for (InternalInstrumented<InternalChannelz.ServerStats> server :
          InternalChannelz.instance().getServers(0, 1000).servers) {
        sum += server.getStats().get(5, TimeUnit.SECONDS).callsStarted;
      }
    } catch (Exception e) {
      throw new IllegalStateException("could not read gRPC channelz stats", e);
    }
    return sum;
  }

  /** Nanoseconds from 1 ns to 1 minute at 3 significant digits. */
  static Histogram nanosHistogram() {
    return new Histogram(1, TimeUnit.MINUTES.toNanos(1), 3);
  }

  static String micros(double nanos) {
    return String.format(Locale.ROOT, nanos < 10_000 ? "%.2f" : "%.0f", nanos / 1000.0);
  }

  /** p50, p99, p99.9 and max in microseconds, as table cells. */
  static String percentiles(Histogram h) {
    return micros(h.getValueAtPercentile(50)) + " | " + micros(h.getValueAtPercentile(99))
        + " | " + micros(h.getValueAtPercentile(99.9)) + " | " + micros(h.getMaxValue());
  }

  static String arg(String[] args, String name, String fallback) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--" + name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }
}

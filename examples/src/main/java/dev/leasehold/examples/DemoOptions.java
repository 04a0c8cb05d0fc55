package dev.leasehold.examples;

import dev.leasehold.allocator.Limit;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo's command line.
 *
 * @param mode how the workers limit themselves
 * @param workers number of worker processes
 * @param limit the provider's limit, which the referee enforces
 * @param duration how long the workers run
 * @param leaseSize the most permits one lease holds
 * @param demand how much the workers want
 */
record DemoOptions(Mode mode, int workers, Limit limit, Duration duration, long leaseSize,
    Demand demand) {

  /** How the workers limit themselves. */
  enum Mode {
    /** One fleet-wide limit, leased from the allocators. */
    LEASEHOLD,
    /** Each worker has its own local limiter at the full limit. */
    UNCOORDINATED,
    /** Each worker has its own local limiter at limit ÷ workers. */
    DIVIDED
  }

  /** How much the workers want. */
  enum Demand {
    /** Every worker calls as fast as its limiter lets it. */
    EVEN,
    /** The first worker calls as fast as it can; the others want a small, steady rate. */
    SKEWED
  }

  static final int MAX_WORKERS = 8;

  static final String USAGE = String.join("\n",
      "Usage: java -jar leasehold-demo.jar [options]",
      "",
      "Runs worker processes against a referee that stands in for a rate-limited",
      "provider: it answers 429 to any request above the limit in a sliding window.",
      "In leasehold mode two allocators share out the limit, and the leader is",
      "killed (SIGKILL) half-way: the standby takes over.",
      "",
      "Options:",
      "  --mode MODE          leasehold (default): one limit leased to the whole fleet",
      "                       uncoordinated: each worker keeps the full limit itself",
      "                       divided: each worker keeps limit / workers itself",
      "  --workers N          worker processes, 1.." + MAX_WORKERS + " (default 3)",
      "  --limit P/WINDOW     the provider's limit, e.g. 100/1s or 60/1m",
      "                       (default 100/1s)",
      "  --duration DURATION  how long the workers run, e.g. 30s (default 25s)",
      "  --lease-size N       most permits per lease (default limit / 20, at least 1)",
      "  --demand KIND        even: every worker calls as fast as it may",
      "                       skewed: worker 1 does, the others want limit / (4 x",
      "                       workers) each",
      "                       (default: skewed in divided mode, else even)",
      "  -h, --help           print this help and exit",
      "",
      "WINDOW and DURATION are a whole number and a unit: 500ms, 1s, 1m.",
      "Exit status: 0 when the run completes, 1 if it cannot run, 2 on bad usage.",
      "");

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)");

  /** A command line the demo cannot run; the message says why. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** Defaults: leasehold mode, 3 even workers, 100 per second, 25 s. */
  static DemoOptions defaults() {
    Limit limit = Limit.perSecond(100);
    return new DemoOptions(Mode.LEASEHOLD, 3, limit, Duration.ofSeconds(25),
        defaultLeaseSize(limit), Demand.EVEN);
  }

  static long defaultLeaseSize(Limit limit) {
    return Math.max(1, limit.permits() / 20);
  }

  /** True if the arguments ask for help, whatever else they hold. */
  static boolean wantsHelp(String... args) {
    for (String arg : args) {
      if (arg.equals("-h") || arg.equals("--help")) {
        return true;
      }
    }
    return false;
  }

  /** Parses the command line; see {@link #USAGE}. */
  static DemoOptions parse(String... args) throws UsageException {
    Mode mode = Mode.LEASEHOLD;
    int workers = 3;
    Limit limit = Limit.perSecond(100);
    Duration duration = Duration.ofSeconds(25);
    Long leaseSize = null;
    Demand demand = null;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      String value = null;
      int eq = flag.indexOf('=');
      if (flag.startsWith("--") && eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[i + 1];
      }
      if (!flag.startsWith("--")) {
        throw new UsageException("unexpected argument '" + flag + "'");
      }
      if (value == null) {
        throw new UsageException(flag + " needs a value");
      }
      if (eq < 0) {
        i++;
      }
      switch (flag) {
        case "--mode" -> mode = parseEnum(Mode.class, flag, value);
        case "--workers" -> workers = (int) parseLong(flag, value, 1, MAX_WORKERS);
        case "--limit" -> limit = parseLimit(value);
        case "--duration" -> duration = parseDuration(flag, value);
        case "--lease-size" -> leaseSize = parseLong(flag, value, 1, Long.MAX_VALUE);
        case "--demand" -> demand = parseEnum(Demand.class, flag, value);
        default -> throw new UsageException("unknown option '" + flag + "'");
      }
    }
    if (duration.compareTo(limit.window().multipliedBy(3)) < 0 || duration.toMillis() < 2000) {
      throw new UsageException("--duration " + format(duration) + " is too short: it must be at"
          + " least 2s and three windows of the limit (" + format(limit.window().multipliedBy(3))
          + ") for the figures to mean anything");
    }
    if (duration.compareTo(Duration.ofMinutes(30)) > 0) {
      throw new UsageException("--duration " + format(duration) + " is too long: at most 30m");
    }
    long lease = leaseSize != null ? leaseSize : defaultLeaseSize(limit);
    if (lease > limit.permits()) {
      throw new UsageException("--lease-size " + lease + " exceeds the limit's permits ("
          + limit.permits() + "); a lease can never hold more than the whole limit");
    }
    if (demand == null) {
      demand = mode == Mode.DIVIDED ? Demand.SKEWED : Demand.EVEN;
    }
    return new DemoOptions(mode, workers, limit, duration, lease, demand);
  }

  private static <E extends Enum<E>> E parseEnum(Class<E> type, String flag, String value)
      throws UsageException {
    try {
      return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      StringBuilder allowed = new StringBuilder();
      for (E constant : type.getEnumConstants()) {
        allowed.append(allowed.length() == 0 ? "" : ", ").append(name(constant));
      }
      throw new UsageException(flag + " '" + value + "' is not one of " + allowed);
    }
  }

  private static long parseLong(String flag, String value, long min, long max)
      throws UsageException {
    long n;
    try {
      n = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new UsageException(flag + " '" + value + "' is not a whole number");
    }
    if (n < min || n > max) {
      throw new UsageException(flag + " " + n + " is out of range: it must be " + min
          + (max == Long.MAX_VALUE ? " or more" : ".." + max));
    }
    return n;
  }

  private static Limit parseLimit(String value) throws UsageException {
    try {
      return Limit.parse(value);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--limit: " + e.getMessage());
    }
  }

  /** Parses {@code 500ms}, {@code 30s} or {@code 2m}. */
  static Duration parseDuration(String flag, String value) throws UsageException {
    Matcher m = DURATION.matcher(value);
    if (!m.matches()) {
      throw new UsageException(flag + " '" + value
          + "' is not a duration: a whole number and a unit, e.g. 500ms, 30s or 2m");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      default -> Duration.ofMinutes(n);
    };
  }

  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  static String name(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  /** What worker {@code index} (0-based) wants per window; 0 means as much as it can get. */
  long demandPerWindow(int index) {
    if (demand == Demand.EVEN || index == 0) {
      return 0;
    }
    return Math.max(1, limit.permits() / (4L * workers));
  }

  /** The permits a worker's own limiter allows per window in the local modes. */
  long localPermits() {
    return mode == Mode.DIVIDED ? Math.max(1, limit.permits() / workers) : limit.permits();
  }
}

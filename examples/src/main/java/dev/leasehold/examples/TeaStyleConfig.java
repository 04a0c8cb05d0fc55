package dev.leasehold.examples;

import dev.leasehold.allocator.Limit;
import dev.leasehold.allocator.ResourceConfig;
import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.QuotaLimiter;
import dev.leasehold.examples.RateLimit.RateLimitTimeoutException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Rate limits configured the way TEA configures them, served fleet-wide by Leasehold:
 *
 * <pre>
 * settings:
 *   rate_limiters:
 *     openai: {rpm: 60}
 *     search: {rps: 5, rpm: 200}
 * </pre>
 *
 * <p>{@code rpm: N} is N per minute, {@code rps: N} is N per second; a limiter with both keeps
 * both. {@link #load} turns the file into resources for the allocator, and {@link #limiters}
 * into one {@link QuotaLimiter} each for the workers; {@link RateLimit#wrap} is TEA's
 * {@code ratelimit.wrap}.
 *
 * <p>Run: {@code java -cp examples/target/leasehold-demo.jar dev.leasehold.examples.TeaStyleConfig
 * [--zookeeper HOST:PORT] [FILE.yaml]}. Without {@code --zookeeper} it starts ZooKeeper and an
 * allocator in-process from the same file.
 */
public final class TeaStyleConfig {
  private static final String EXAMPLE = String.join("\n",
      "settings:",
      "  rate_limiters:",
      "    openai: {rpm: 60}",
      "    search: {rps: 5, rpm: 200}",
      "");

  private TeaStyleConfig() {}

  /**
   * Reads {@code settings.rate_limiters} from TEA-style YAML.
   *
   * @throws IllegalArgumentException naming the entry at fault when the YAML does not fit
   */
  public static List<ResourceConfig> parse(String yaml) {
    Object root = new Load(LoadSettings.builder().build()).loadFromString(yaml);
    Map<?, ?> limiters = map(map(map(root, "the document").get("settings"), "settings")
        .get("rate_limiters"), "settings.rate_limiters");
    List<ResourceConfig> resources = new ArrayList<>();
    for (Map.Entry<?, ?> entry : limiters.entrySet()) {
      String name = String.valueOf(entry.getKey());
      String where = "settings.rate_limiters." + name;
      ResourceConfig.Builder resource = ResourceConfig.builder(name);
      for (Map.Entry<?, ?> limit : map(entry.getValue(), where).entrySet()) {
        Duration window = switch (String.valueOf(limit.getKey())) {
          case "rpm" -> Duration.ofMinutes(1);
          case "rps" -> Duration.ofSeconds(1);
          default -> throw new IllegalArgumentException(where + ": unknown key '" + limit.getKey()
              + "'; use rpm (per minute) or rps (per second)");
        };
        if (!(limit.getValue() instanceof Integer || limit.getValue() instanceof Long)) {
          throw new IllegalArgumentException(where + "." + limit.getKey()
              + " must be a whole number, got '" + limit.getValue() + "'");
        }
        resource.limit(new Limit(((Number) limit.getValue()).longValue(), window));
      }
      resources.add(resource.build());
    }
    return resources;
  }

  /** Reads a TEA-style YAML file; see {@link #parse}. */
  public static List<ResourceConfig> load(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** One limiter per configured resource, by name, in the file's order. */
  public static Map<String, QuotaLimiter> limiters(LeaseholdClient client,
      List<ResourceConfig> resources) {
    Map<String, QuotaLimiter> limiters = new LinkedHashMap<>();
    for (ResourceConfig resource : resources) {
      limiters.put(resource.name(), client.limiter(resource.name()));
    }
    return limiters;
  }

  private static Map<?, ?> map(Object node, String where) {
    if (!(node instanceof Map)) {
      throw new IllegalArgumentException(where + " must be a mapping, e.g. " + EXAMPLE.strip());
    }
    return (Map<?, ?>) node;
  }

  public static void main(String[] argv) throws Exception {
    List<String> args = new ArrayList<>(List.of(argv));
    ExampleFleet.Where where = ExampleFleet.Where.parse(args);
    List<ResourceConfig> resources = args.isEmpty() ? parse(EXAMPLE) : load(Path.of(args.get(0)));
    try (ExampleFleet fleet = where.open(resources);
        LeaseholdClient client = fleet.client("tea-example")) {
      System.out.println("rate limiters: " + resources);
      Map<String, QuotaLimiter> limiters = limiters(client, resources);
      QuotaLimiter first = limiters.values().iterator().next();
      // TEA: ratelimit.wrap(fn, ratelimit_timeout=...). Call until the limit bites.
      Duration[] totalWait = {Duration.ZERO};
      Callable<String> ask = RateLimit.wrap(first, Duration.ofSeconds(2), () -> "answer",
          waited -> totalWait[0] = totalWait[0].plus(waited));
      int calls = 0;
      try {
        while (true) {
          ask.call();
          calls++;
        }
      } catch (RateLimitTimeoutException e) {
        System.out.printf("%d calls to '%s' went through (%d ms spent waiting for permits),"
            + " then:%n  %s%n", calls, first.resource(), totalWait[0].toMillis(), e.getMessage());
      }
    }
  }
}

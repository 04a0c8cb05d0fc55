package dev.leasehold.allocator;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads resources from the allocator's YAML config file:
 *
 * <pre>{@code
 * resources:
 *   openai:
 *     rpm: 3500                  # {permits: 3500, window: 1m}
 *     rps: 100                   # {permits: 100, window: 1s}
 *     limits:
 *       - {permits: 100000, window: 1h}
 *       - "5/1s"
 *     minLeasePermits: 1
 *     maxLeasePermits: 50
 *     leaseTtl: 5s
 *     blockPermits: 100
 *     policy: weighted           # fair-share (default), proportional or weighted
 *     weights: {interactive-: 4, batch-: 1}   # client-id prefix: weight
 *     fallback: {local-share: 20/1m}          # or fail-closed (default)
 *     arrivalMargin: 50ms        # how late a call may reach the provider (default 10ms)
 * settings:                      # TEA-style shorthand, rpm and rps only
 *   rate_limiters:
 *     anthropic: {rpm: 60}
 * }</pre>
 *
 * <p>Validation is strict, since a typo in a rate limit is silent until it costs money: unknown
 * keys, wrong types and non-positive numbers are errors. Every error is an {@link
 * IllegalArgumentException} whose message starts with the file name and names the resource and
 * key.
 */
final class ConfigFile {
  private static final List<String> TOP_KEYS = List.of("resources", "settings");
  private static final List<String> RESOURCE_KEYS = List.of(
      "rpm", "rps", "limits", "minLeasePermits", "maxLeasePermits", "leaseTtl", "blockPermits",
      "policy", "weights", "fallback", "arrivalMargin");
  private static final List<String> SETTINGS_KEYS = List.of("rate_limiters");
  private static final List<String> TEA_KEYS = List.of("rpm", "rps");
  private static final List<String> LIMIT_KEYS = List.of("permits", "window");

  private ConfigFile() {}

  /** Reads and parses {@code file}; see {@link #parse}. */
  static List<ResourceConfig> load(Path file) {
    String yaml;
    try {
      yaml = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("config file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + file + ": " + e, e);
    }
    return parse(yaml, file.toString());
  }

  /**
   * Parses config text; {@code sourceName} (usually the file name) starts every error message.
   *
   * @return the resources in file order, {@code resources:} and {@code settings:} as they come
   * @throws IllegalArgumentException when the text is not a valid config
   */
  static List<ResourceConfig> parse(String yaml, String sourceName) {
    try {
      return parse(loadYaml(yaml));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(sourceName + ": " + e.getMessage(), e);
    }
  }

  private static Object loadYaml(String yaml) {
    // Duplicate keys are rejected (the default), so a resource named twice under one section
    // fails with its line number.
    LoadSettings settings = LoadSettings.builder().setAllowDuplicateKeys(false).build();
    try {
      return new Load(settings).loadFromString(yaml);
    } catch (MarkedYamlEngineException e) {
      String where = e.getProblemMark()
          .map(m -> " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1))
          .orElse("");
      String problem = e.getProblem() == null ? e.getMessage() : e.getProblem().strip();
      String context = e.getContext() == null ? "" : e.getContext().strip() + ", ";
      throw new IllegalArgumentException("invalid YAML" + where + ": " + context + problem, e);
    } catch (YamlEngineException e) {
      throw new IllegalArgumentException("invalid YAML: " + e.getMessage(), e);
    }
  }

  private static List<ResourceConfig> parse(Object root) {
    if (root == null) {
      throw new IllegalArgumentException(
          "the file is empty; expected a 'resources:' mapping of resource names to limits");
    }
    Map<String, Object> top = mapping(root, "the top level");
    checkKeys(top, TOP_KEYS, "the top level");
    Map<String, ResourceConfig> resources = new LinkedHashMap<>();
    Map<String, String> sectionOf = new LinkedHashMap<>();
    for (Map.Entry<String, Object> section : top.entrySet()) {
      if (section.getKey().equals("resources")) {
        Map<String, Object> defs = mapping(section.getValue(), "'resources'");
        add(resources, sectionOf, defs, "resources", RESOURCE_KEYS);
      } else {
        Map<String, Object> settings = mapping(section.getValue(), "'settings'");
        checkKeys(settings, SETTINGS_KEYS, "'settings'");
        if (settings.containsKey("rate_limiters")) {
          Map<String, Object> defs =
              mapping(settings.get("rate_limiters"), "'settings.rate_limiters'");
          add(resources, sectionOf, defs, "settings.rate_limiters", TEA_KEYS);
        }
      }
    }
    if (resources.isEmpty()) {
      throw new IllegalArgumentException(
          "no resource defined; add one under 'resources:', e.g. 'resources: {openai: {rpm: 60}}'");
    }
    return List.copyOf(resources.values());
  }

  private static void add(Map<String, ResourceConfig> resources, Map<String, String> sectionOf,
      Map<String, Object> defs, String section, List<String> allowedKeys) {
    for (Map.Entry<String, Object> def : defs.entrySet()) {
      String name = def.getKey();
      String earlier = sectionOf.putIfAbsent(name, section);
      if (earlier != null) {
        throw new IllegalArgumentException("resource '" + name + "' is defined under both '"
            + earlier + "' and '" + section + "'; define it once");
      }
      resources.put(name, resource(name, def.getValue(), allowedKeys));
    }
  }

  private static ResourceConfig resource(String name, Object value, List<String> allowedKeys) {
    String where = "resource '" + name + "'";
    if (value == null) {
      throw new IllegalArgumentException(where + " has no limit; give at least one of "
          + (allowedKeys.contains("limits") ? "rpm, rps or limits" : "rpm or rps"));
    }
    Map<String, Object> fields = mapping(value, where);
    checkKeys(fields, allowedKeys, where);
    // Builder and build() messages already name the resource.
    ResourceConfig.Builder b = ResourceConfig.builder(name);
    if (fields.containsKey("rpm")) {
      b.limit(Limit.perMinute(positive(fields.get("rpm"), where + ": rpm")));
    }
    if (fields.containsKey("rps")) {
      b.limit(Limit.perSecond(positive(fields.get("rps"), where + ": rps")));
    }
    if (fields.containsKey("limits")) {
      limits(fields.get("limits"), where).forEach(b::limit);
    }
    if (fields.containsKey("minLeasePermits")) {
      b.minLeasePermits(positive(fields.get("minLeasePermits"), where + ": minLeasePermits"));
    }
    if (fields.containsKey("maxLeasePermits")) {
      b.maxLeasePermits(positive(fields.get("maxLeasePermits"), where + ": maxLeasePermits"));
    }
    if (fields.containsKey("leaseTtl")) {
      b.leaseTtl(duration(fields.get("leaseTtl"), where + ": leaseTtl"));
    }
    if (fields.containsKey("blockPermits")) {
      b.blockPermits(positive(fields.get("blockPermits"), where + ": blockPermits"));
    }
    if (fields.containsKey("arrivalMargin")) {
      b.arrivalMargin(duration(fields.get("arrivalMargin"), where + ": arrivalMargin"));
    }
    if (fields.containsKey("policy")) {
      b.policy(policy(fields.get("policy"), where + ": policy"));
    }
    if (fields.containsKey("weights")) {
      Map<String, Object> weights = mapping(fields.get("weights"), where + ": weights");
      for (Map.Entry<String, Object> w : weights.entrySet()) {
        b.weight(w.getKey(), weight(w.getValue(), where + ": weights." + w.getKey()));
      }
    }
    if (fields.containsKey("fallback")) {
      b.fallback(fallback(fields.get("fallback"), where + ": fallback"));
    }
    return b.build();
  }

  private static AllocationPolicy policy(Object value, String where) {
    try {
      return AllocationPolicy.fromConfigName(String.valueOf(value));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  private static double weight(Object value, String where) {
    if (!(value instanceof Number) || ((Number) value).doubleValue() <= 0) {
      throw new IllegalArgumentException(where + " must be a number > 0, got " + describe(value));
    }
    return ((Number) value).doubleValue();
  }

  /** {@code fail-closed}, or {@code {local-share: PERMITS/WINDOW}} per client process. */
  private static Fallback fallback(Object value, String where) {
    if ("fail-closed".equals(value)) {
      return Fallback.failClosed();
    }
    if (value instanceof Map) {
      Map<String, Object> fields = mapping(value, where);
      checkKeys(fields, List.of("local-share"), where);
      if (fields.containsKey("local-share")) {
        return Fallback.localShare(limit(fields.get("local-share"), where + ".local-share"));
      }
    }
    throw new IllegalArgumentException(where + " must be fail-closed or {local-share: PERMITS/WINDOW}"
        + " (a per-process limit, e.g. {local-share: 20/1m}), got " + describe(value));
  }

  private static List<Limit> limits(Object value, String where) {
    if (!(value instanceof List)) {
      throw new IllegalArgumentException(where + ": limits must be a list such as"
          + " [{permits: 100, window: 1m}, \"5/1s\"], got " + describe(value));
    }
    List<Limit> limits = new ArrayList<>();
    List<?> items = (List<?>) value;
    for (int i = 0; i < items.size(); i++) {
      limits.add(limit(items.get(i), where + ": limits[" + i + "]"));
    }
    return limits;
  }

  private static Limit limit(Object item, String where) {
    if (item instanceof String) {
      try {
        return Limit.parse((String) item);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
    }
    if (!(item instanceof Map)) {
      throw new IllegalArgumentException(where + " must be {permits: N, window: DURATION} or"
          + " \"PERMITS/WINDOW\", got " + describe(item));
    }
    Map<String, Object> fields = mapping(item, where);
    checkKeys(fields, LIMIT_KEYS, where);
    for (String key : LIMIT_KEYS) {
      if (!fields.containsKey(key)) {
        throw new IllegalArgumentException(where + " is missing '" + key
            + "'; write it as {permits: N, window: DURATION}, e.g. {permits: 100, window: 1m}");
      }
    }
    long permits = positive(fields.get("permits"), where + ": permits");
    Duration window = duration(fields.get("window"), where + ": window");
    if (window.toMillis() < 1) {
      throw new IllegalArgumentException(where + ": window must be at least 1ms, got "
          + fields.get("window"));
    }
    return new Limit(permits, window);
  }

  private static long positive(Object value, String where) {
    // YAML integers arrive as Integer, Long or BigInteger depending on size.
    if (!(value instanceof Integer || value instanceof Long || value instanceof BigInteger)) {
      throw new IllegalArgumentException(
          where + " must be a whole number > 0, got " + describe(value));
    }
    if (value instanceof BigInteger && ((BigInteger) value).bitLength() >= Long.SIZE) {
      throw new IllegalArgumentException(where + " is too large: " + value);
    }
    long n = ((Number) value).longValue();
    if (n <= 0) {
      throw new IllegalArgumentException(where + " must be > 0, got " + n);
    }
    return n;
  }

  private static Duration duration(Object value, String where) {
    if (!(value instanceof String)) {
      throw new IllegalArgumentException(where + " must be a duration such as 500ms, 5s or 1m,"
          + " got " + describe(value));
    }
    try {
      return Durations.parse((String) value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> mapping(Object value, String where) {
    if (!(value instanceof Map)) {
      throw new IllegalArgumentException(where + " must be a mapping of keys to values, got "
          + describe(value));
    }
    for (Object key : ((Map<?, ?>) value).keySet()) {
      if (!(key instanceof String)) {
        throw new IllegalArgumentException(where + ": key " + key
            + " must be a string; quote it if it is a name, e.g. '\"" + key + "\"'");
      }
    }
    return (Map<String, Object>) value;
  }

  private static void checkKeys(Map<String, Object> fields, List<String> allowed, String where) {
    for (String key : fields.keySet()) {
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException(where + ": unknown key '" + key + "'; allowed keys: "
            + String.join(", ", allowed));
      }
    }
  }

  private static String describe(Object value) {
    if (value == null) {
      return "nothing";
    } else if (value instanceof String) {
      return "string '" + value + "'";
    } else if (value instanceof Map) {
      return "a mapping";
    } else if (value instanceof List) {
      return "a list";
    }
    return value.getClass().getSimpleName().toLowerCase(Locale.ROOT) + " " + value;
  }
}

package dev.leasehold.allocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
  private static final String SOURCE = "leasehold.yaml";

  @Test
  void readsPolicyWeightsAndFallback() {
    ResourceConfig api = parse("""
        resources:
          api:
            rps: 100
            policy: weighted
            weights: {interactive-: 4, batch-: 1}
            fallback: {local-share: 20/1m}
            arrivalMargin: 50ms
        """).get(0);
    assertThat(api.arrivalMargin()).isEqualTo(Duration.ofMillis(50));
    assertThat(api.policy()).isEqualTo(AllocationPolicy.WEIGHTED);
    assertThat(api.weights()).containsEntry("interactive-", 4.0).containsEntry("batch-", 1.0);
    assertThat(api.weightOf("interactive-7")).isEqualTo(4.0);
    assertThat(api.weightOf("other")).isEqualTo(1.0);
    assertThat(api.fallback()).isEqualTo(Fallback.localShare(Limit.perMinute(20)));
    assertThat(parse("resources: {api: {rps: 1, fallback: fail-closed}}").get(0).fallback())
        .isEqualTo(Fallback.failClosed());
  }

  @Test
  void rejectsBadPolicyWeightsAndFallback() {
    assertThatThrownBy(() -> parse("resources: {api: {rps: 1, policy: fifo}}"))
        .hasMessageContaining("policy 'fifo' is not one of fair-share, proportional, weighted");
    assertThatThrownBy(() -> parse("resources: {api: {rps: 1, weights: {a: 2}}}"))
        .hasMessageContaining("weights are given but the policy is fair-share");
    assertThatThrownBy(
            () -> parse("resources: {api: {rps: 1, policy: weighted, weights: {a: -2}}}"))
        .hasMessageContaining("weights.a must be a number > 0");
    assertThatThrownBy(() -> parse("resources: {api: {rps: 1, fallback: open}}"))
        .hasMessageContaining("fallback must be fail-closed or {local-share: PERMITS/WINDOW}");
  }

  @Test
  void readsEveryKey() {
    List<ResourceConfig> resources = parse("""
        resources:
          openai:
            rpm: 3500
            rps: 100
            limits:
              - {permits: 100000, window: 1h}
              - "5/100ms"
            minLeasePermits: 2
            maxLeasePermits: 5
            leaseTtl: 5s
            blockPermits: 5
        """);

    assertThat(resources).hasSize(1);
    ResourceConfig openai = resources.get(0);
    assertThat(openai.name()).isEqualTo("openai");
    assertThat(openai.limits()).containsExactly(
        new Limit(5, Duration.ofMillis(100)), Limit.perSecond(100), Limit.perMinute(3500),
        new Limit(100_000, Duration.ofHours(1)));
    assertThat(openai.minLeasePermits()).isEqualTo(2);
    assertThat(openai.maxLeasePermits()).isEqualTo(5);
    assertThat(openai.leaseTtl()).isEqualTo(Duration.ofSeconds(5));
    assertThat(openai.blockPermits()).isEqualTo(5);
  }

  @Test
  void leavesUnsetBoundsToDefaults() {
    ResourceConfig only = parse("resources: {openai: {rpm: 4000}}").get(0);
    ResourceConfig expected = ResourceConfig.builder("openai").limit(Limit.perMinute(4000)).build();

    assertThat(only).hasToString(expected.toString());
  }

  @Test
  void keepsFileOrder() {
    List<ResourceConfig> resources = parse("""
        resources:
          zeta: {rps: 1}
          alpha: {rps: 2}
        settings:
          rate_limiters:
            mid: {rpm: 60}
        """);

    assertThat(resources).extracting(ResourceConfig::name).containsExactly("zeta", "alpha", "mid");
  }

  @Test
  void acceptsTeaStyleSettings() {
    List<ResourceConfig> resources = parse("""
        settings:
          rate_limiters:
            openai: {rpm: 60}
            anthropic:
              rps: 2
              rpm: 50
        """);

    assertThat(resources).extracting(ResourceConfig::name).containsExactly("openai", "anthropic");
    assertThat(resources.get(0).limits()).containsExactly(Limit.perMinute(60));
    assertThat(resources.get(1).limits()).containsExactly(Limit.perSecond(2), Limit.perMinute(50));
  }

  @Test
  void loadsFromFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("limits.yaml");
    Files.writeString(file, "resources:\n  openai:\n    rpm: 60\n");

    assertThat(ConfigFile.load(file)).extracting(ResourceConfig::name).containsExactly("openai");
  }

  @Test
  void missingFile(@TempDir Path dir) {
    Path file = dir.resolve("nope.yaml");

    assertThatThrownBy(() -> ConfigFile.load(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("config file " + file + " does not exist");
  }

  @Test
  void errorsStartWithTheFileName(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("limits.yaml");
    Files.writeString(file, "resources: {openai: {rpm: 0}}");

    assertThatThrownBy(() -> ConfigFile.load(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(file + ": resource 'openai': rpm must be > 0");
  }

  @Test
  void emptyFile() {
    assertError("").hasMessageContaining("file is empty");
    assertError("# only a comment\n").hasMessageContaining("file is empty");
  }

  @Test
  void invalidYamlNamesTheLine() {
    assertError("""
        resources:
          openai:
            rpm: 60
           rps: [1
        """).hasMessageContaining("invalid YAML at line 4");
  }

  @Test
  void duplicateResourceInOneSectionNamesTheLine() {
    assertError("""
        resources:
          openai: {rpm: 60}
          openai: {rpm: 70}
        """).hasMessageContaining("invalid YAML at line 3").hasMessageContaining("openai");
  }

  @Test
  void resourceInBothSections() {
    assertError("""
        resources:
          openai: {rpm: 60}
        settings:
          rate_limiters:
            openai: {rpm: 60}
        """).hasMessageContaining(
            "resource 'openai' is defined under both 'resources' and 'settings.rate_limiters'");
  }

  @Test
  void notAMapping() {
    assertError("- openai").hasMessageContaining("the top level must be a mapping");
    assertError("resources: [openai]").hasMessageContaining("'resources' must be a mapping");
    assertError("resources: {openai: 60}")
        .hasMessageContaining("resource 'openai' must be a mapping")
        .hasMessageContaining("integer 60");
  }

  @Test
  void unknownTopLevelKey() {
    assertError("resource: {openai: {rpm: 60}}")
        .hasMessageContaining("unknown key 'resource'; allowed keys: resources, settings");
  }

  @Test
  void unknownResourceKeyListsAllowedOnes() {
    assertError("resources: {openai: {rmp: 60}}").hasMessageContaining(
        "resource 'openai': unknown key 'rmp'; allowed keys: rpm, rps, limits, minLeasePermits,"
            + " maxLeasePermits, leaseTtl, blockPermits");
  }

  @Test
  void teaStyleAllowsOnlyRates() {
    assertError("settings: {rate_limiters: {openai: {rpm: 60, leaseTtl: 1s}}}")
        .hasMessageContaining("resource 'openai': unknown key 'leaseTtl'; allowed keys: rpm, rps");
    assertError("settings: {rate_limiter: {openai: {rpm: 60}}}")
        .hasMessageContaining("'settings': unknown key 'rate_limiter'; allowed keys: rate_limiters");
  }

  @Test
  void unknownLimitKey() {
    assertError("resources: {openai: {limits: [{permits: 5, window: 1s, burst: 2}]}}")
        .hasMessageContaining("resource 'openai': limits[0]: unknown key 'burst';"
            + " allowed keys: permits, window");
  }

  @Test
  void limitMissingAKey() {
    assertError("resources: {openai: {limits: [{permits: 5}]}}")
        .hasMessageContaining("resource 'openai': limits[0] is missing 'window'");
  }

  @Test
  void wrongTypes() {
    assertError("resources: {openai: {rpm: '60'}}")
        .hasMessageContaining("resource 'openai': rpm must be a whole number > 0, got string '60'");
    assertError("resources: {openai: {rpm: 1.5}}")
        .hasMessageContaining("rpm must be a whole number > 0, got double 1.5");
    assertError("resources: {openai: {rpm: 60, leaseTtl: 5}}")
        .hasMessageContaining("resource 'openai': leaseTtl must be a duration such as 500ms,"
            + " 5s or 1m, got integer 5");
    assertError("resources: {openai: {limits: {permits: 5, window: 1s}}}")
        .hasMessageContaining("resource 'openai': limits must be a list");
    assertError("resources: {openai: {limits: [5]}}")
        .hasMessageContaining("resource 'openai': limits[0] must be {permits: N, window: DURATION}");
    assertError("resources: {openai: {limits: [{permits: 5, window: 1d}]}}")
        .hasMessageContaining("resource 'openai': limits[0]: window: duration '1d'");
  }

  @Test
  void nonPositiveNumbers() {
    assertError("resources: {openai: {rps: -1}}")
        .hasMessageContaining("resource 'openai': rps must be > 0, got -1");
    assertError("resources: {openai: {rpm: 60, maxLeasePermits: 0}}")
        .hasMessageContaining("resource 'openai': maxLeasePermits must be > 0, got 0");
    assertError("resources: {openai: {limits: [{permits: 0, window: 1s}]}}")
        .hasMessageContaining("resource 'openai': limits[0]: permits must be > 0, got 0");
    assertError("resources: {openai: {limits: [{permits: 5, window: 0s}]}}")
        .hasMessageContaining("resource 'openai': limits[0]: window must be at least 1ms");
    assertError("resources: {openai: {limits: [\"0/1s\"]}}")
        .hasMessageContaining("resource 'openai': limits[0]: limit permits must be > 0");
  }

  @Test
  void tooLargeNumber() {
    assertError("resources: {openai: {rpm: 99999999999999999999}}")
        .hasMessageContaining("resource 'openai': rpm is too large");
  }

  @Test
  void resourceWithoutLimit() {
    assertError("resources: {openai: }")
        .hasMessageContaining("resource 'openai' has no limit; give at least one of rpm, rps or limits");
    assertError("resources: {openai: {leaseTtl: 1s}}")
        .hasMessageContaining("resource 'openai' has no limit");
    assertError("settings: {rate_limiters: {openai: }}")
        .hasMessageContaining("resource 'openai' has no limit; give at least one of rpm or rps");
  }

  @Test
  void noResources() {
    assertError("resources: {}").hasMessageContaining("no resource defined");
    assertError("settings: {}").hasMessageContaining("no resource defined");
  }

  @Test
  void badResourceName() {
    assertError("resources: {'open ai': {rpm: 60}}")
        .hasMessageContaining("resource name 'open ai' must be");
    assertError("resources: {42: {rpm: 60}}").hasMessageContaining("key 42 must be a string");
  }

  @Test
  void boundsErrorsFromTheBuilderAreKept() {
    assertError("resources: {openai: {rpm: 60, maxLeasePermits: 100}}").hasMessage(SOURCE
        + ": resource 'openai': maxLeasePermits (100) must not exceed the tightest limit's"
        + " permits (60)");
  }

  private static List<ResourceConfig> parse(String yaml) {
    return ConfigFile.parse(yaml, SOURCE);
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertError(String yaml) {
    return assertThatThrownBy(() -> parse(yaml))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(SOURCE + ": ");
  }
}

package dev.leasehold.allocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.allocator.AllocatorMain.AllocatorOptions;
import dev.leasehold.allocator.AllocatorMain.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AllocatorMainTest {

  @Test
  void defaults() throws Exception {
    AllocatorOptions options = AllocatorMain.parse("--zookeeper", "zk:2181", "--limit", "a=1/1s");

    assertThat(options.help()).isFalse();
    assertThat(options.zookeeper()).isEqualTo("zk:2181");
    assertThat(options.embeddedZooKeeperPort()).isEmpty();
    assertThat(options.namespace()).isEqualTo("leasehold");
    assertThat(options.host()).isEqualTo("127.0.0.1");
    assertThat(options.port()).isZero();
    assertThat(options.sessionTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(options.resources()).singleElement().satisfies(r -> {
      assertThat(r.name()).isEqualTo("a");
      assertThat(r.limits()).containsExactly(Limit.perSecond(1));
    });
  }

  @Test
  void everyFlag(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("limits.yaml");
    Files.writeString(config, "resources: {anthropic: {rpm: 50}}");

    AllocatorOptions options = AllocatorMain.parse(
        "--zookeeper", "zk1:2181,zk2:2181/chroot",
        "--namespace", "prod-eu",
        "--host", "alloc-1.internal",
        "--port", "7443",
        "--limit", "openai=3500/1m",
        "--config", config.toString(),
        "--limit", "local=5/500ms",
        "--session-timeout", "30s");

    assertThat(options.zookeeper()).isEqualTo("zk1:2181,zk2:2181/chroot");
    assertThat(options.namespace()).isEqualTo("prod-eu");
    assertThat(options.host()).isEqualTo("alloc-1.internal");
    assertThat(options.port()).isEqualTo(7443);
    assertThat(options.sessionTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.resources()).extracting(ResourceConfig::name)
        .containsExactly("openai", "anthropic", "local");
  }

  @Test
  void bindDefaultsToTheHostAndCanDiffer() throws Exception {
    AllocatorOptions same = AllocatorMain.parse("--zookeeper", "zk:2181", "--limit", "a=1/1s",
        "--host", "worker-1.internal");
    assertThat(same.bind()).isEqualTo("worker-1.internal");
    AllocatorOptions wildcard = AllocatorMain.parse("--zookeeper", "zk:2181", "--limit",
        "a=1/1s", "--host", "worker-1.internal", "--bind", "0.0.0.0");
    assertThat(wildcard.host()).isEqualTo("worker-1.internal");
    assertThat(wildcard.bind()).isEqualTo("0.0.0.0");
  }

  @Test
  void flagEqualsValueForm() throws Exception {
    AllocatorOptions options =
        AllocatorMain.parse("--zookeeper=zk:2181", "--limit=a=1/1s", "--port=0");

    assertThat(options.zookeeper()).isEqualTo("zk:2181");
    assertThat(options.resources()).extracting(ResourceConfig::name).containsExactly("a");
  }

  @Test
  void embeddedZooKeeperDefaultsTo2181() throws Exception {
    AllocatorOptions atEnd = AllocatorMain.parse("--limit", "a=1/1s", "--embedded-zookeeper");
    AllocatorOptions beforeFlag =
        AllocatorMain.parse("--embedded-zookeeper", "--limit", "a=1/1s");

    assertThat(atEnd.embeddedZooKeeperPort()).isEqualTo(OptionalInt.of(2181));
    assertThat(beforeFlag.embeddedZooKeeperPort()).isEqualTo(OptionalInt.of(2181));
    assertThat(atEnd.zookeeper()).isNull();
  }

  @Test
  void embeddedZooKeeperPort() throws Exception {
    assertThat(AllocatorMain.parse("--embedded-zookeeper", "12181", "--limit", "a=1/1s")
        .embeddedZooKeeperPort()).isEqualTo(OptionalInt.of(12181));
    assertThat(AllocatorMain.parse("--embedded-zookeeper=0", "--limit", "a=1/1s")
        .embeddedZooKeeperPort()).isEqualTo(OptionalInt.of(0));
  }

  @Test
  void help() throws Exception {
    assertThat(AllocatorMain.parse("--help").help()).isTrue();
    assertThat(AllocatorMain.parse("-h").help()).isTrue();
    // Help wins over anything else on the line, even mistakes.
    assertThat(AllocatorMain.parse("--bogus", "--help").help()).isTrue();
  }

  @Test
  void usageMentionsEveryFlag() {
    for (String flag : new String[] {"--zookeeper", "--embedded-zookeeper", "--namespace",
        "--host", "--port", "--limit", "--config", "--session-timeout", "--help"}) {
      assertThat(AllocatorMain.USAGE).contains(flag);
    }
  }

  @Test
  void unknownFlag() {
    assertUsageError("--zookeeper", "zk:2181", "--limit", "a=1/1s", "--bogus")
        .hasMessage("unknown flag '--bogus'");
    assertUsageError("-x").hasMessage("unknown flag '-x'");
  }

  @Test
  void strayArgument() {
    assertUsageError("--zookeeper", "zk:2181", "a=1/1s")
        .hasMessageContaining("unexpected argument 'a=1/1s'");
  }

  @Test
  void missingValue() {
    assertUsageError("--limit", "a=1/1s", "--zookeeper").hasMessage("--zookeeper needs a value");
    assertUsageError("--zookeeper", "--limit", "a=1/1s").hasMessage("--zookeeper needs a value");
    assertUsageError("--zookeeper", "zk:2181", "--limit").hasMessage("--limit needs a value");
  }

  @Test
  void zooKeeperExactlyOnce() {
    assertUsageError("--limit", "a=1/1s").hasMessageContaining("no ZooKeeper");
    assertUsageError("--zookeeper", "zk:2181", "--embedded-zookeeper", "--limit", "a=1/1s")
        .hasMessageContaining("either --zookeeper or --embedded-zookeeper, not both");
    assertUsageError("--zookeeper", "a:1", "--zookeeper", "b:1", "--limit", "a=1/1s")
        .hasMessageContaining("--zookeeper given twice");
    assertUsageError("--zookeeper", "zk 2181", "--limit", "a=1/1s")
        .hasMessageContaining("--zookeeper 'zk 2181' is not a connect string");
  }

  @Test
  void atLeastOneResource() {
    assertUsageError("--zookeeper", "zk:2181").hasMessageContaining("no resource");
  }

  @Test
  void resourceNamedTwice(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("limits.yaml");
    Files.writeString(config, "resources: {a: {rpm: 50}}");

    assertUsageError("--zookeeper", "zk:2181", "--limit", "a=1/1s", "--limit", "a=2/1s")
        .hasMessageContaining("resource 'a' is configured twice (--limit a=1/1s and --limit a=2/1s)");
    assertUsageError("--zookeeper", "zk:2181", "--limit", "a=1/1s", "--config", config.toString())
        .hasMessageContaining("resource 'a' is configured twice (--limit a=1/1s and --config "
            + config + ")");
  }

  @Test
  void badLimit() {
    assertUsageError("--zookeeper", "zk:2181", "--limit", "3500/1m")
        .hasMessageContaining("--limit '3500/1m' is not of the form NAME=PERMITS/WINDOW");
    assertUsageError("--zookeeper", "zk:2181", "--limit", "a=lots/1m")
        .hasMessageContaining("--limit 'a=lots/1m': limit 'lots/1m': permits must be a whole number");
    assertUsageError("--zookeeper", "zk:2181", "--limit", "a=5/1d")
        .hasMessageContaining("--limit 'a=5/1d': duration '1d'");
    assertUsageError("--zookeeper", "zk:2181", "--limit", "open ai=5/1s")
        .hasMessageContaining("resource name 'open ai' must be");
  }

  @Test
  void badConfig(@TempDir Path dir) {
    Path missing = dir.resolve("missing.yaml");

    assertUsageError("--zookeeper", "zk:2181", "--config", missing.toString())
        .hasMessage("--config: config file " + missing + " does not exist");
  }

  @Test
  void badPort() {
    assertUsageError("--zookeeper", "zk:2181", "--limit", "a=1/1s", "--port", "65536")
        .hasMessage("--port '65536' is not a port number 0..65535");
    assertUsageError("--zookeeper", "zk:2181", "--limit", "a=1/1s", "--port", "http")
        .hasMessage("--port 'http' is not a port number 0..65535");
    assertUsageError("--embedded-zookeeper", "zk", "--limit", "a=1/1s")
        .hasMessage("--embedded-zookeeper 'zk' is not a port number 0..65535");
  }

  @Test
  void badNamespace() {
    assertUsageError("--zookeeper", "zk:2181", "--limit", "a=1/1s", "--namespace", "a/b")
        .hasMessageContaining("--namespace: namespace 'a/b' must be");
  }

  @Test
  void badHost() {
    assertUsageError("--zookeeper", "zk:2181", "--limit", "a=1/1s", "--host", "")
        .hasMessageContaining("--host '' is not a host name");
  }

  @Test
  void badSessionTimeout() {
    assertUsageError("--zookeeper", "zk:2181", "--limit", "a=1/1s", "--session-timeout", "10")
        .hasMessageContaining("--session-timeout: duration '10'");
    assertUsageError("--zookeeper", "zk:2181", "--limit", "a=1/1s", "--session-timeout", "0s")
        .hasMessageContaining("--session-timeout must be positive, got 0s");
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertUsageError(String... args) {
    return assertThatThrownBy(() -> AllocatorMain.parse(args)).isInstanceOf(UsageException.class);
  }
}

package dev.leasehold.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.allocator.Limit;
import dev.leasehold.examples.DemoOptions.Demand;
import dev.leasehold.examples.DemoOptions.Mode;
import dev.leasehold.examples.DemoOptions.UsageException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

  @Test
  void defaults() throws Exception {
    DemoOptions options = DemoOptions.parse();
    assertThat(options).isEqualTo(DemoOptions.defaults());
    assertThat(options.mode()).isEqualTo(Mode.LEASEHOLD);
    assertThat(options.workers()).isEqualTo(3);
    assertThat(options.limit()).isEqualTo(Limit.perSecond(100));
    assertThat(options.duration()).isEqualTo(Duration.ofSeconds(25));
    assertThat(options.leaseSize()).isEqualTo(5);
    assertThat(options.demand()).isEqualTo(Demand.EVEN);
  }

  @Test
  void everyFlagInBothSpellings() throws Exception {
    DemoOptions options = DemoOptions.parse("--mode", "uncoordinated", "--workers=5",
        "--limit", "60/2s", "--duration=20s", "--lease-size", "4", "--demand", "SKEWED");
    assertThat(options).isEqualTo(new DemoOptions(Mode.UNCOORDINATED, 5,
        new Limit(60, Duration.ofSeconds(2)), Duration.ofSeconds(20), 4, Demand.SKEWED));
  }

  @Test
  void dividedModeDefaultsToSkewedDemandAndSplitsTheLimit() throws Exception {
    DemoOptions options = DemoOptions.parse("--mode", "divided", "--workers", "4");
    assertThat(options.demand()).isEqualTo(Demand.SKEWED);
    assertThat(options.localPermits()).isEqualTo(25);
    assertThat(options.demandPerWindow(0)).as("first worker: as much as it can").isZero();
    assertThat(options.demandPerWindow(1)).isEqualTo(6);
  }

  @Test
  void help() {
    assertThat(DemoOptions.wantsHelp("--workers", "2", "--help")).isTrue();
    assertThat(DemoOptions.wantsHelp("-h")).isTrue();
    assertThat(DemoOptions.wantsHelp("--workers", "2")).isFalse();
    assertThat(DemoOptions.USAGE).contains("--mode", "--workers", "--limit", "--duration",
        "--lease-size", "--demand");
    DemoOptions.USAGE.lines().forEach(line -> assertThat(line).hasSizeLessThanOrEqualTo(80));
  }

  @Test
  void badFlagsSayWhatIsWrong() {
    assertUsage("unknown option '--wrokers'", "--wrokers", "3");
    assertUsage("--workers 0 is out of range: it must be 1..8", "--workers", "0");
    assertUsage("--workers 'three' is not a whole number", "--workers", "three");
    assertUsage("--workers needs a value", "--workers");
    assertUsage("--mode needs a value", "--mode", "--workers", "2");
    assertUsage("--mode 'fast' is not one of leasehold, uncoordinated, divided", "--mode", "fast");
    assertUsage("--limit: limit '100' is not of the form PERMITS/WINDOW", "--limit", "100");
    assertUsage("--duration '30' is not a duration", "--duration", "30");
    assertUsage("--duration 1s is too short", "--duration", "1s");
    assertUsage("--duration 2s is too short", "--limit", "10/1s", "--duration", "2s");
    assertUsage("--lease-size 200 exceeds the limit's permits (100)", "--lease-size", "200");
    assertUsage("unexpected argument 'now'", "now");
  }

  private static void assertUsage(String message, String... args) {
    assertThatThrownBy(() -> DemoOptions.parse(args)).isInstanceOf(UsageException.class)
        .hasMessageContaining(message);
  }
}

package dev.leasehold.allocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

  @Test
  void parsesEachUnit() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("1s")).isEqualTo(Duration.ofSeconds(1));
    assertThat(Durations.parse("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("0s")).isZero();
  }

  @Test
  void toleratesSpaces() {
    assertThat(Durations.parse(" 10 s ")).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void rejectsOtherForms() {
    for (String bad : new String[] {"", "10", "s", "1.5s", "-1s", "1d", "1S", "PT1S", "1 m 2s"}) {
      assertThatThrownBy(() -> Durations.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'")
          .hasMessageContaining("e.g. 500ms or 1m");
    }
  }

  @Test
  void formatsInTheLargestWholeUnit() {
    assertThat(Durations.format(Duration.ofMillis(500))).isEqualTo("500ms");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Durations.format(Duration.ofSeconds(120))).isEqualTo("2m");
    assertThat(Durations.format(Duration.ofMinutes(60))).isEqualTo("1h");
  }

  @Test
  void formatThenParseRoundTrips() {
    for (Duration d : new Duration[] {
        Duration.ofMillis(1), Duration.ofMillis(250), Duration.ofSeconds(45),
        Duration.ofMinutes(5), Duration.ofHours(24)}) {
      assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    }
  }
}

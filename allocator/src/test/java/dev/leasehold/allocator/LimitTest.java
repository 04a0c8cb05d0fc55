package dev.leasehold.allocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LimitTest {

  @Test
  void parsesEachUnit() {
    assertThat(Limit.parse("60/1m")).isEqualTo(new Limit(60, Duration.ofMinutes(1)));
    assertThat(Limit.parse("200/1s")).isEqualTo(new Limit(200, Duration.ofSeconds(1)));
    assertThat(Limit.parse("5/500ms")).isEqualTo(new Limit(5, Duration.ofMillis(500)));
    assertThat(Limit.parse("1000/2h")).isEqualTo(new Limit(1000, Duration.ofHours(2)));
  }

  @Test
  void toleratesSpacesAroundParts() {
    assertThat(Limit.parse(" 60 / 1m ")).isEqualTo(Limit.perMinute(60));
  }

  @Test
  void shorthandsMatchTea() {
    assertThat(Limit.perMinute(3500)).isEqualTo(Limit.parse("3500/1m"));
    assertThat(Limit.perSecond(100)).isEqualTo(Limit.parse("100/1s"));
  }

  @Test
  void printsInParseableForm() {
    Limit limit = Limit.parse("5/500ms");
    assertThat(limit).hasToString("5/500ms");
    assertThat(Limit.parse(limit.toString())).isEqualTo(limit);
    assertThat(Limit.parse("120/60s")).hasToString("120/1m");
  }

  @Test
  void rejectsMissingParts() {
    for (String bad : new String[] {"60", "/1m", "60/", "", "60-1m"}) {
      assertThatThrownBy(() -> Limit.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("PERMITS/WINDOW");
    }
  }

  @Test
  void rejectsNonNumericPermits() {
    assertThatThrownBy(() -> Limit.parse("many/1m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'many/1m'")
        .hasMessageContaining("whole number");
  }

  @Test
  void rejectsNonPositivePermits() {
    assertThatThrownBy(() -> Limit.parse("0/1m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("permits must be > 0, got 0");
    assertThatThrownBy(() -> Limit.parse("-5/1m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got -5");
  }

  @Test
  void rejectsBadWindow() {
    assertThatThrownBy(() -> Limit.parse("60/1d"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duration '1d'");
    assertThatThrownBy(() -> Limit.parse("60/0s"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("window must be at least 1ms");
  }
}

package dev.leasehold.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.allocator.Limit;
import dev.leasehold.allocator.ResourceConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TeaStyleConfigTest {

  @Test
  void readsRpmAndRps() {
    List<ResourceConfig> resources = TeaStyleConfig.parse(String.join("\n",
        "settings:",
        "  other: ignored",
        "  rate_limiters:",
        "    openai: {rpm: 60}",
        "    search:",
        "      rps: 5",
        "      rpm: 200"));
    assertThat(resources).extracting(ResourceConfig::name).containsExactly("openai", "search");
    assertThat(resources.get(0).limits()).containsExactly(Limit.perMinute(60));
    assertThat(resources.get(1).limits())
        .containsExactly(Limit.perSecond(5), new Limit(200, Duration.ofMinutes(1)));
  }

  @Test
  void namesTheEntryAtFault() {
    assertThatThrownBy(() -> TeaStyleConfig.parse("settings:\n  rate_limiters:\n    openai: {rph: 1}"))
        .hasMessageContaining("settings.rate_limiters.openai: unknown key 'rph'");
    assertThatThrownBy(() -> TeaStyleConfig.parse("settings:\n  rate_limiters:\n    openai: {rpm: x}"))
        .hasMessageContaining("settings.rate_limiters.openai.rpm must be a whole number");
    assertThatThrownBy(() -> TeaStyleConfig.parse("settings: {}"))
        .hasMessageContaining("settings.rate_limiters must be a mapping");
  }
}

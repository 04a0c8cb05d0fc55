package dev.leasehold.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.examples.RateLimit.RateLimitTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

class RateLimitTest {

  @Test
  void runsTheCallAfterAPermitAndReportsTheWait() throws Exception {
    LocalWindowLimiter limiter = new LocalWindowLimiter("api", 2, Duration.ofMinutes(1));
    List<Duration> waits = new ArrayList<>();
    Callable<String> call = RateLimit.wrap(limiter, Duration.ofSeconds(1), () -> "ok", waits::add);
    assertThat(call.call()).isEqualTo("ok");
    assertThat(call.call()).isEqualTo("ok");
    assertThat(waits).hasSize(2).allSatisfy(w -> assertThat(w.isNegative()).isFalse());
  }

  @Test
  void timesOutWithoutRunningTheCall() {
    LocalWindowLimiter limiter = new LocalWindowLimiter("api", 1, Duration.ofMinutes(1));
    assertThat(limiter.tryAcquire()).isTrue();
    boolean[] ran = {false};
    Callable<String> call = RateLimit.wrap(limiter, Duration.ofMillis(50), () -> {
      ran[0] = true;
      return "ok";
    });
    assertThatThrownBy(call::call).isInstanceOf(RateLimitTimeoutException.class)
        .hasMessageContaining("rate limit 'api': no permit within the 50 ms timeout (waited")
        .satisfies(e -> {
          RateLimitTimeoutException t = (RateLimitTimeoutException) e;
          assertThat(t.resource()).isEqualTo("api");
          assertThat(t.timeout()).isEqualTo(Duration.ofMillis(50));
          assertThat(t.failedFast()).isFalse();
        });
    assertThat(ran[0]).isFalse();
  }

  @Test
  void failingFastSaysTheWaitItWouldHaveNeeded() {
    RateLimitTimeoutException e = new RateLimitTimeoutException("openai", Duration.ofSeconds(2),
        Duration.ofMillis(3), Duration.ofMillis(11_997));
    assertThat(e.failedFast()).isTrue();
    assertThat(e).hasMessage("rate limit 'openai': a permit needs a wait of about 12.00 s, longer"
        + " than the 2.00 s timeout, so the call failed fast after 3 ms; raise the timeout or"
        + " slow down");
  }

  @Test
  void rejectsANegativeTimeout() {
    LocalWindowLimiter limiter = new LocalWindowLimiter("api", 1, Duration.ofSeconds(1));
    assertThatThrownBy(() -> RateLimit.wrap(limiter, Duration.ofMillis(-1), () -> "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

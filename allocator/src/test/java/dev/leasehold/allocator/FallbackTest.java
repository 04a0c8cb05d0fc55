package dev.leasehold.allocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.QuotaLimiter;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What clients do while no allocator answers: fail closed, or limit themselves locally. */
class FallbackTest {
  private TestingServer zookeeper;

  @BeforeEach
  void start() throws Exception {
    zookeeper = new TestingServer(true);
  }

  @AfterEach
  void stop() throws Exception {
    zookeeper.close();
  }

  private Allocator allocator(Fallback fallback) {
    Allocator allocator = Allocator.builder().zookeeper(zookeeper.getConnectString())
        .namespace("fallback")
        .resource(ResourceConfig.builder("api").limit(Limit.perSecond(100)).fallback(fallback)
            .build())
        .build();
    allocator.start();
    await().atMost(Duration.ofSeconds(20)).until(allocator::isLeader);
    return allocator;
  }

  private LeaseholdClient client() {
    return LeaseholdClient.builder().zookeeper(zookeeper.getConnectString())
        .namespace("fallback").fallbackAfter(Duration.ofMillis(300))
        .requestTimeout(Duration.ofMillis(300)).build();
  }

  @Test
  void failClosedStopsAcquiringOnceLeasesRunOut() throws Exception {
    Allocator allocator = allocator(Fallback.failClosed());
    try (LeaseholdClient client = client()) {
      QuotaLimiter api = client.limiter("api");
      assertThat(api.tryAcquire(1, Duration.ofSeconds(5))).isTrue();
      allocator.close();
      Thread.sleep(1_000);
      assertThat(api.tryAcquire(1, Duration.ofMillis(500))).as("no allocator, no permit").isFalse();
      assertThat(api.stats().fallbackActive()).isFalse();
    }
  }

  @Test
  void localShareLimitsLocallyWhileTheAllocatorIsGoneAndReturnsToLeases() throws Exception {
    Allocator first = allocator(Fallback.localShare(Limit.perSecond(20)));
    try (LeaseholdClient client = client()) {
      QuotaLimiter api = client.limiter("api");
      assertThat(api.tryAcquire(1, Duration.ofSeconds(5))).isTrue();
      first.close();

      await().atMost(Duration.ofSeconds(10)).until(() -> {
        api.tryAcquire();
        return api.stats().fallbackActive();
      });
      // About 20 per second locally: far fewer than asked for, but not none.
      int got = 0;
      long end = System.nanoTime() + 1_000_000_000L;
      while (System.nanoTime() < end) {
        if (api.tryAcquire()) {
          got++;
        }
        Thread.sleep(1);
      }
      assertThat(got).as("permits from the local fallback in 1 s").isBetween(5, 45);

      Allocator second = allocator(Fallback.localShare(Limit.perSecond(20)));
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
          api.tryAcquire();
          return !api.stats().fallbackActive();
        });
      } finally {
        second.close();
      }
    }
  }
}

package dev.leasehold.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LeaseBufferTest {
  private static final long TTL = TimeUnit.MILLISECONDS.toNanos(100);

  private final ManualTicker ticker = new ManualTicker();
  private final LeaseBuffer buffer = new LeaseBuffer(ticker);

  private HeldLease install(String id, long permits) {
    HeldLease lease = new HeldLease(id, permits, ticker.read() + TTL, ticker.read());
    buffer.install(lease, TTL);
    return lease;
  }

  private List<LeaseBuffer.Returned> collect(boolean all) {
    List<LeaseBuffer.Returned> out = new ArrayList<>();
    buffer.collectReturns(ticker.read(), all, out);
    return out;
  }

  @Test
  void spendsUpToTheLeaseAndNoMore() {
    install("a", 3);
    assertThat(buffer.tryAcquire(2)).isTrue();
    assertThat(buffer.tryAcquire(2)).as("only 1 left").isFalse();
    assertThat(buffer.tryAcquire(1)).isTrue();
    assertThat(buffer.tryAcquire(1)).isFalse();
    assertThat(buffer.minPermits()).as("largest miss is asked for next").isEqualTo(2);
  }

  @Test
  void nothingIsSpentAtOrAfterTheDeadline() {
    HeldLease lease = install("a", 10);
    ticker.advanceMillis(100);
    assertThat(buffer.tryAcquire(1)).isFalse();
    assertThat(lease.remaining()).as("the late spend was put back").isEqualTo(10);
  }

  @Test
  void switchesToAnotherHeldLeaseWhenTheCurrentRunsOut() {
    install("a", 1);
    install("b", 2);
    assertThat(buffer.tryAcquire(1)).isTrue();
    assertThat(buffer.tryAcquire(2)).isTrue();
    assertThat(buffer.tryAcquire(1)).isFalse();
  }

  @Test
  void returnsSpentOutLeasesAtOnceAndExpiredOnesWithTheirUsedCount() {
    install("spent", 2);
    buffer.tryAcquire(2);
    HeldLease partly = install("partly", 5);
    buffer.tryAcquire(1);
    assertThat(collect(false)).extracting(LeaseBuffer.Returned::leaseId).containsExactly("spent");
    ticker.advanceMillis(100);
    List<LeaseBuffer.Returned> returns = collect(false);
    assertThat(returns).extracting(LeaseBuffer.Returned::leaseId).containsExactly("partly");
    assertThat(returns.get(0).used()).isEqualTo(1);
    assertThat(partly.remaining()).as("closed").isZero();
    assertThat(buffer.tryAcquire(1)).isFalse();
  }

  @Test
  void idleLeasesGoBackEarly() {
    install("a", 10);
    buffer.tryAcquire(1);
    collect(false);
    ticker.advanceMillis(60);
    List<LeaseBuffer.Returned> returns = collect(false);
    assertThat(returns).extracting(LeaseBuffer.Returned::used).containsExactly(1L);
  }

  @Test
  void closeReturnsEverythingAndAcquiresFailAfter() {
    install("a", 10);
    install("b", 10);
    assertThat(collect(true)).hasSize(2);
    assertThat(buffer.tryAcquire(1)).isFalse();
  }

  @Test
  void refundedPermitsCanBeSpentAgainButNotAfterTheReturn() {
    HeldLease lease = install("a", 5);
    HeldLease from = buffer.tryAcquireLease(5);
    assertThat(from).isSameAs(lease);
    new Permit(5, from).refund(3);
    assertThat(buffer.tryAcquire(3)).isTrue();

    HeldLease other = install("b", 4);
    Permit permit = new Permit(4, buffer.tryAcquireLease(4));
    List<LeaseBuffer.Returned> returns = collect(true);
    permit.refund(4);
    assertThat(returns).filteredOn(r -> r.leaseId().equals("b"))
        .extracting(LeaseBuffer.Returned::used).containsExactly(4L);
    assertThat(other.remaining()).as("a refund after the return is lost, safely").isZero();
  }

  @Test
  void aSpentOutLeaseWaitsForItsRefundsBeforeItGoesBack() {
    install("a", 5);
    Permit permit = new Permit(5, buffer.tryAcquireLease(5));
    assertThat(collect(false)).as("kept: a refund may top it up").isEmpty();
    permit.refund(2);
    assertThat(buffer.tryAcquire(2)).as("refunded permits are spendable again").isTrue();
    List<LeaseBuffer.Returned> returns = collect(false);
    assertThat(returns).extracting(LeaseBuffer.Returned::used).containsExactly(5L);
    assertThat(returns.get(0).spends()).as("no spend times once permits were put back")
        .isEmpty();
  }

  @Test
  void spendBucketsSayWhenPermitsWereSeenSpent() {
    install("a", 10);
    buffer.tryAcquire(3);
    long first = ticker.read();
    collect(false);
    ticker.advanceMillis(10);
    buffer.tryAcquire(2);
    long second = ticker.read();
    collect(false);
    ticker.advanceMillis(10);
    List<LeaseBuffer.Returned> returns = collect(true);
    assertThat(returns.get(0).spends()).isDeepEqualTo(new long[][] {{3, first}, {2, second}});
  }

  @Test
  void demandFollowsTheSpendRateAndMisses() {
    assertThat(buffer.demand(ticker.read(), TTL)).as("idle: asks for nothing").isZero();
    buffer.tryAcquire(1);
    assertThat(buffer.demand(ticker.read(), TTL)).as("a miss asks for a lease").isPositive();
    install("a", 100);
    for (int ms = 0; ms < 50; ms++) {
      buffer.tryAcquire(1);
      ticker.advanceMillis(1);
      collect(false);
      buffer.demand(ticker.read(), TTL);
    }
    long wanted = buffer.demand(ticker.read(), TimeUnit.MILLISECONDS.toNanos(60));
    assertThat(wanted).as("about one ttl of 1000/s").isBetween(50L, 200L);
  }

  @Test
  void fallbackGrantsLocallyOnlyWhenConfiguredAndStarted() {
    assertThat(buffer.startFallback()).as("fail closed by default").isFalse();
    buffer.fallbackRate(1000);
    assertThat(buffer.startFallback()).isTrue();
    assertThat(buffer.tryAcquireLease(1)).isSameAs(LeaseBuffer.FALLBACK);
    assertThat(buffer.stats("r").fallbackActive()).isTrue();
    assertThat(buffer.stopFallback()).isTrue();
    assertThat(buffer.tryAcquire(1)).isFalse();
  }
}

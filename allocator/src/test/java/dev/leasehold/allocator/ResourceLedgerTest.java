package dev.leasehold.allocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.allocator.ResourceLedger.LedgerWrite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceLedgerTest {
  private static final long MS = 1_000_000L;
  private static final long W = 1_000 * MS;
  private static final Limit LIMIT = new Limit(100, Duration.ofSeconds(1));
  /** 100/1s, leases of at most 10 for 100 ms, blocks of 20; fair share 20 per client. */
  private static final ResourceConfig CONFIG = ResourceConfig.builder("test").limit(LIMIT)
      .maxLeasePermits(10).blockPermits(20).leaseTtl(Duration.ofMillis(100)).build();

  private final ResourceLedger ledger = new ResourceLedger(CONFIG, 1, 0.0, 0);

  // ---------------------------------------------------------------- helpers

  private static Grant ask(ResourceLedger ledger, String client, long wanted, long now) {
    return ledger.grant(client, wanted, 1, now);
  }

  private Grant ask(String client, long wanted, long now) {
    return ask(ledger, client, wanted, now);
  }

  /** Reserves a block and records it at once, as the upkeep does when ZooKeeper is fast. */
  private static Block recordBlock(ResourceLedger ledger, long now) {
    LedgerWrite write = ledger.prepareWrite(now);
    assertThat(write).as("a write is due").isNotNull();
    assertThat(write.reserved()).as("the write reserves a block").isNotNull();
    ledger.writeSucceeded(write, now);
    return write.reserved();
  }

  /** Runs the upkeep once: tick, then any due write succeeds; returns the block reserved. */
  private static Block upkeep(ResourceLedger ledger, long now) {
    ledger.tick(now);
    LedgerWrite write = ledger.prepareWrite(now);
    if (write == null) {
      return null;
    }
    ledger.writeSucceeded(write, now);
    return write.reserved();
  }

  /** {@code client} asks once so the ledger sees demand, then a block is recorded. */
  private Block openBlock(String client, long now) {
    assertThat(ask(client, 1_000, now).lease()).isNull();
    return recordBlock(ledger, now);
  }

  // ---------------------------------------------------------------- blocks before grants

  @Test
  void grantsNothingBeforeABlockIsRecorded() {
    Grant first = ask("a", 10, 0);
    assertThat(first.lease()).isNull();
    assertThat(first.retryAfterMillis()).isPositive();

    LedgerWrite write = ledger.prepareWrite(0);
    assertThat(write.reserved().state()).isEqualTo(Block.State.PENDING);
    assertThat(ask("a", 10, MS).lease()).as("write still in flight").isNull();

    ledger.writeSucceeded(write, 2 * MS);
    Grant granted = ask("a", 10, 2 * MS);
    assertThat(granted.lease()).isNotNull();
    assertThat(granted.lease().block()).isSameAs(write.reserved());
  }

  @Test
  void grantsAfterABlockIsRecorded() {
    openBlock("a", 0);

    Grant grant = ask("a", 5, MS);

    assertThat(grant.lease().permits()).isEqualTo(5);
    assertThat(grant.ttlMillis()).isEqualTo(100);
    assertThat(grant.lease().end()).isGreaterThanOrEqualTo(MS + 100 * MS);
    assertThat(grant.retryAfterMillis()).isZero();
  }

  @Test
  void leaseEndNeverOutlivesItsBlock() {
    Block block = openBlock("a", 0);

    Grant late = ask("a", 5, 150 * MS);

    assertThat(late.ttlMillis()).isLessThan(100);
    assertThat(late.lease().end()).isLessThanOrEqualTo(block.validUntil);
  }

  // ---------------------------------------------------------------- lease size

  @Test
  void leaseIsBoundedByMaxLeasePermits() {
    openBlock("a", 0);

    assertThat(ask("a", 1_000, 0).lease().permits()).isEqualTo(10);
  }

  @Test
  void leaseIsBoundedByWanted() {
    openBlock("a", 0);

    assertThat(ask("a", 3, 0).lease().permits()).isEqualTo(3);
  }

  @Test
  void wantingNothingGetsNothing() {
    openBlock("a", 0);

    Grant grant = ask("a", 0, 0);

    assertThat(grant.lease()).isNull();
    assertThat(grant.retryAfterMillis()).isZero();
  }

  @Test
  void minPermitsAreGrantedInFullOrNotAtAll() {
    openBlock("a", 0);

    Grant big = ledger.grant("a", 1, 15, 0);
    assertThat(big.lease().permits()).as("min above maxLease wins").isEqualTo(15);

    Grant tooBig = ledger.grant("b", 10, 6, 0);
    assertThat(tooBig.lease()).as("5 left in the block, 6 needed").isNull();

    Grant fits = ledger.grant("c", 10, 5, 0);
    assertThat(fits.lease().permits()).isEqualTo(5);
  }

  @Test
  void aLargeMinPermitsGetsABlockBigEnough() {
    ledger.grant("a", 30, 30, 0);

    Block block = recordBlock(ledger, 0);

    assertThat(block.capacity).isEqualTo(30);
    assertThat(ledger.grant("a", 30, 30, 0).lease().permits()).isEqualTo(30);
  }

  // ---------------------------------------------------------------- the limit

  @Test
  void grantsNeverExceedTheLimitWhateverTheBlocksRecord() {
    // Fair share 90 per client (ttl = W / 2), so one client can drain the whole limit.
    ResourceConfig config = ResourceConfig.builder("wide").limit(90, Duration.ofSeconds(1))
        .maxLeasePermits(10).blockPermits(20).leaseTtl(Duration.ofMillis(500)).build();
    ResourceLedger wide = new ResourceLedger(config, 1, 0.0, 0);
    List<Long> capacities = new ArrayList<>();
    long granted = 0;
    for (int i = 0; i < 40; i++) {
      Grant grant = ask(wide, "a", 1_000, i * MS);
      granted += grant.lease() == null ? 0 : grant.lease().permits();
      Block block = upkeep(wide, i * MS);
      if (block != null) {
        capacities.add(block.capacity);
      }
      assertThat(wide.headroom(i * MS) + wide.charged(config.limits().get(0), i * MS))
          .isLessThanOrEqualTo(90);
    }

    // Blocks are whole; the rule caps the leases granted out of them.
    assertThat(capacities).allMatch(c -> c == 20L).hasSizeLessThanOrEqualTo(6);
    assertThat(granted).isEqualTo(90);
    assertThat(wide.headroom(40 * MS)).isZero();
    assertThat(ask(wide, "a", 10, 40 * MS).lease()).isNull();
  }

  @Test
  void everyLimitOfTheResourceBoundsTheBlocks() {
    ResourceConfig config = ResourceConfig.builder("two").limit(Limit.perMinute(60))
        .limit(Limit.perSecond(5)).build();
    ResourceLedger two = new ResourceLedger(config, 1, 0.0, 0);
    long reserved = 0;
    for (int i = 0; i < 50; i++) {
      ask(two, "c" + i, 1, i * MS);
      Block block = upkeep(two, i * MS);
      reserved += block == null ? 0 : block.capacity;
    }

    assertThat(reserved).isEqualTo(5);
    assertThat(two.headroom(50 * MS)).isZero();
  }

  // ---------------------------------------------------------------- returns and expiry

  @Test
  void aHeldRequestIsToldATtlThatCoversItsWaitAndItsEndStaysWithinTheBlock() {
    Block block = openBlock("a", 0);
    long receivedAt = 10 * MS;
    long now = 40 * MS; // held 30 ms at the allocator

    Grant grant = ledger.grant("b", 5, 1, receivedAt, now);

    assertThat(grant.ttlMillis()).as("100 ms of life after the wait, plus the wait")
        .isEqualTo(130);
    // The client counts from its send, before receivedAt: its deadline falls before this end.
    assertThat(grant.lease().end()).isEqualTo(receivedAt + 130 * MS + 10 * MS);
    assertThat(grant.lease().end()).isLessThanOrEqualTo(block.validUntil);
  }

  @Test
  void returnedUnusedPermitsCanBeGrantedAgain() {
    Block block = openBlock("a", 0);
    GrantedLease a = ask("a", 10, 0).lease();
    GrantedLease b = ask("b", 10, 0).lease();
    assertThat(block.available()).isZero();

    ledger.returnLease(a.id(), 3, 5 * MS);
    GrantedLease c = ask("c", 10, 6 * MS).lease();

    assertThat(b).isNotNull();
    assertThat(c.block()).isSameAs(block);
    assertThat(c.permits()).isEqualTo(7);
  }

  @Test
  void returnClampsUsedAndIgnoresUnknownLeases() {
    openBlock("a", 0);
    GrantedLease a = ask("a", 10, 0).lease();

    ledger.returnLease("9-77", 4, MS);
    ledger.returnLease(a.id(), 10, MS);
    ledger.returnLease(a.id(), 0, 2 * MS);

    assertThat(ledger.outstandingLeases()).isZero();
    assertThat(a.block().available()).isEqualTo(10);
  }

  @Test
  void checkReturnRejectsUsedAbovePermits() {
    openBlock("a", 0);
    GrantedLease a = ask("a", 10, 0).lease();

    assertThatThrownBy(() -> ledger.checkReturn(a.id(), 11))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(a.id());
    assertThatCode(() -> ledger.checkReturn(a.id(), 10)).doesNotThrowAnyException();
    assertThatCode(() -> ledger.checkReturn("unknown", 1_000)).doesNotThrowAnyException();
  }

  @Test
  void expiredLeasesCountFully() {
    openBlock("a", 0);
    GrantedLease a = ask("a", 10, 0).lease();

    ledger.tick(a.end());

    assertThat(ledger.outstandingLeases()).isZero();
    assertThat(a.block().state()).isEqualTo(Block.State.CLOSED);
    assertThat(ledger.charged(LIMIT, a.end())).isEqualTo(10);
    assertThat(ledger.charged(LIMIT, a.end() + W)).as("windows are closed intervals")
        .isEqualTo(10);
    assertThat(ledger.charged(LIMIT, a.end() + W + 1)).isZero();
  }

  @Test
  void theLedgerRecordsAnOpenBlockAtCapacityWhileTheLeaderCountsWhatIsOut() {
    Block block = openBlock("a", 0);
    GrantedLease a = ask("a", 10, 0).lease();
    ask("b", 4, 0);
    ledger.returnLease(a.id(), 1, MS);

    assertThat(block.recordedCount()).as("what a successor reads").isEqualTo(20);
    assertThat(block.recordedEnd()).isEqualTo(block.validUntil);
    assertThat(ledger.charged(LIMIT, MS)).as("1 spent + 4 out").isEqualTo(5);
  }

  @Test
  void aBlockClosesAfterItsLeasesEndAndThenChargesOnlyWhatWasSpent() {
    Block block = openBlock("a", 0);
    GrantedLease a = ask("a", 10, 0).lease();
    GrantedLease b = ask("b", 10, 0).lease();
    ledger.returnLease(a.id(), 2, 10 * MS);
    ledger.returnLease(b.id(), 3, 20 * MS);
    ledger.tick(50 * MS);
    assertThat(block.state()).as("closes only after a ttl without grants")
        .isEqualTo(Block.State.OPEN);
    assertThat(block.recordedCount()).isEqualTo(20);
    assertThat(ledger.charged(LIMIT, 50 * MS)).isEqualTo(5);

    ledger.tick(100 * MS);

    assertThat(block.state()).isEqualTo(Block.State.CLOSED);
    assertThat(block.recordedCount()).isEqualTo(5);
    assertThat(ledger.charged(LIMIT, 100 * MS)).isEqualTo(5);
    assertThat(ledger.headroom(100 * MS)).isEqualTo(95);
  }

  @Test
  void chargesLeaveTheWindowAfterTheirEndPlusTheWindow() {
    openBlock("a", 0);
    GrantedLease a = ask("a", 10, 0).lease();
    ledger.returnLease(a.id(), 4, 20 * MS);
    ledger.tick(100 * MS);

    assertThat(ledger.charged(LIMIT, 20 * MS + W - 1)).isEqualTo(4);
    assertThat(ledger.charged(LIMIT, 20 * MS + W + 20 * MS)).isZero();
    assertThat(ledger.headroom(20 * MS + W + 20 * MS)).isEqualTo(100);
  }

  @Test
  void aReturnThatSaysWhenItClosedFreesItsPermitsFromThen() {
    openBlock("a", 0);
    GrantedLease a = ask("a", 10, 0).lease();
    ledger.returnLease(a.id(), 4, 30, 50 * MS);
    ledger.tick(100 * MS);

    // Closed at 20 ms (30 ms before the return), plus at most an arrival margin.
    assertThat(ledger.charged(LIMIT, 20 * MS + W - 1)).isEqualTo(4);
    assertThat(ledger.charged(LIMIT, 20 * MS + W + 20 * MS)).isZero();
  }

  @Test
  void aReturnCannotClaimItClosedBeforeItsGrant() {
    openBlock("a", 0);
    GrantedLease a = ask("a", 10, 10 * MS).lease();
    ledger.returnLease(a.id(), 4, 60_000, 50 * MS);
    ledger.tick(150 * MS);

    assertThat(ledger.charged(LIMIT, 10 * MS + W - 1)).isEqualTo(4);
  }

  @Test
  void aBlockLeftUnusedClosesAndChargesNothing() {
    Block block = openBlock("a", 0);

    ledger.tick(100 * MS);

    assertThat(block.state()).isEqualTo(Block.State.CLOSED);
    assertThat(ledger.charged(LIMIT, 100 * MS)).isZero();
  }

  // ---------------------------------------------------------------- retry after

  @Test
  void retryAfterIsAboutUntilTheOldestChargeLeavesTheWindow() {
    ResourceConfig config = ResourceConfig.builder("tiny").limit(10, Duration.ofSeconds(1))
        .maxLeasePermits(10).leaseTtl(Duration.ofMillis(100)).build();
    ResourceLedger tiny = new ResourceLedger(config, 1, 0.0, 0);
    ask(tiny, "a", 10, 0);
    recordBlock(tiny, 0);
    GrantedLease a = ask(tiny, "a", 10, 0).lease();
    tiny.returnLease(a.id(), 10, 10 * MS);
    tiny.tick(150 * MS);

    Grant refused = ask(tiny, "a", 1, 200 * MS);

    assertThat(refused.lease()).isNull();
    // The charge ends at the return (10 ms), plus at most an arrival margin.
    assertThat(refused.retryAfterMillis()).isBetween(805L, 835L);
    long retryAt = 200 * MS + refused.retryAfterMillis() * MS;
    LedgerWrite early = tiny.prepareWrite(retryAt - 20 * MS);
    assertThat(early == null || early.reserved() == null).as("no block before the retry").isTrue();
    if (early != null) {
      tiny.writeSucceeded(early, retryAt - 20 * MS);
    }
    assertThat(tiny.prepareWrite(retryAt).reserved()).as("a block at the retry").isNotNull();
  }

  @Test
  void aReturnedLeaseStaysChargedForTheArrivalMargin() {
    ResourceConfig config = ResourceConfig.builder("tiny").limit(10, Duration.ofSeconds(1))
        .maxLeasePermits(10).leaseTtl(Duration.ofMillis(100)).build();
    ResourceLedger tiny = new ResourceLedger(config, 1, 0.0, 0);
    ask(tiny, "a", 10, 0);
    recordBlock(tiny, 0);
    GrantedLease a = ask(tiny, "a", 10, 0).lease();
    // The client acquires all 10 at 1 ms and returns the lease at once; the calls it admitted
    // may reach the provider up to the 10 ms margin later, at 11 ms.
    tiny.returnLease(a.id(), 10, MS + 1_000);
    tiny.tick(2 * MS);
    assertThat(a.block().state()).isEqualTo(Block.State.CLOSED);

    // Another 10 granted now would reach the provider inside [11 ms, 11 ms + W] with them.
    assertThat(tiny.headroom(MS + W + 5 * MS)).isZero();
  }

  @Test
  void retryAfterIsShortWhileABlockIsBeingRecorded() {
    ask("a", 10, 0);
    ledger.prepareWrite(0);

    Grant refused = ask("a", 10, MS);

    assertThat(refused.lease()).isNull();
    assertThat(refused.retryAfterMillis()).isBetween(1L, 25L);
  }

  // ---------------------------------------------------------------- fair share

  @Test
  void noClientIsStarvedWhenSeveralDemand() {
    List<String> clients = List.of("a", "b", "c", "d", "e");
    Map<String, Integer> firstLeaseRound = new HashMap<>();
    Map<String, GrantedLease> held = new HashMap<>();
    for (int round = 0; round < 6; round++) {
      long now = round * 10 * MS;
      upkeep(ledger, now);
      for (String client : clients) {
        GrantedLease old = held.remove(client);
        if (old != null) {
          ledger.returnLease(old.id(), old.permits(), now);
        }
        GrantedLease lease = ask(client, 1_000, now).lease();
        if (lease != null) {
          held.put(client, lease);
          firstLeaseRound.putIfAbsent(client, round);
        }
      }
    }

    assertThat(firstLeaseRound).containsOnlyKeys(clients);
    assertThat(firstLeaseRound.values()).allSatisfy(r -> assertThat(r).isLessThanOrEqualTo(3));
  }

  @Test
  void oneGreedyClientCannotHoldMoreThanItsShare() {
    for (String client : List.of("greedy", "b", "c", "d")) {
      ask(client, 1_000, 0);
    }
    long held = 0;
    for (int i = 0; i < 20; i++) {
      upkeep(ledger, i * MS);
      GrantedLease lease = ask("greedy", 1_000, i * MS).lease();
      held += lease == null ? 0 : lease.permits();
    }

    // Two lease lifetimes of the limit (2 * 100 ms of 100/1s = 20), split between 4 clients.
    assertThat(held).isEqualTo(5);
    for (String client : List.of("b", "c", "d")) {
      upkeep(ledger, 20 * MS);
      assertThat(ask(client, 1_000, 20 * MS).lease()).as(client).isNotNull();
    }
  }

  @Test
  void aLoneClientMayTakeTwoLeases() {
    openBlock("a", 0);

    assertThat(ask("a", 10, 0).lease()).isNotNull();
    assertThat(ask("a", 10, 0).lease()).isNotNull();
    assertThat(ask("a", 10, 0).lease()).as("beyond 2 * ttl of the limit").isNull();
  }

  // ---------------------------------------------------------------- write failures

  @Test
  void aFailedWriteAbandonsItsBlock() {
    ask("a", 10, 0);
    LedgerWrite failed = ledger.prepareWrite(0);

    ledger.writeFailed(failed);

    assertThat(ask("a", 10, MS).lease()).isNull();
    assertThat(failed.reserved().available()).isZero();
    Block next = recordBlock(ledger, 2 * MS);
    assertThat(next).isNotSameAs(failed.reserved());
    GrantedLease lease = ask("a", 10, 2 * MS).lease();
    assertThat(lease.block()).isSameAs(next);
  }

  @Test
  void aFailedWriteStaysRecordedAtCapacityUntilItCloses() {
    ask("a", 10, 0);
    LedgerWrite failed = ledger.prepareWrite(0);

    ledger.writeFailed(failed);

    // It may have reached ZooKeeper: the next snapshot keeps it at capacity until it closes.
    assertThat(failed.reserved().recordedCount()).isEqualTo(20);
    assertThat(ledger.charged(LIMIT, 0)).as("nothing was granted from it").isZero();
    ledger.tick(MS);
    assertThat(failed.reserved().state()).isEqualTo(Block.State.CLOSED);
    assertThat(failed.reserved().recordedCount()).isZero();
  }

  @Test
  void oneWriteIsInFlightAtATime() {
    ask("a", 10, 0);
    LedgerWrite first = ledger.prepareWrite(0);

    assertThat(ledger.prepareWrite(MS)).isNull();
    ledger.writeSucceeded(first, 2 * MS);
    ask("a", 10, 2 * MS);
    ask("a", 10, 2 * MS);
    assertThat(ledger.prepareWrite(2 * MS)).isNotNull();
  }

  // ---------------------------------------------------------------- failover

  @Test
  void aNewLeaderCountsOpenBlocksAtWorstCaseAndClosedOnesUntilEndPlusWindow() {
    LedgerRecord record = new LedgerRecord(List.of(
        new LedgerRecord.Entry("1-b7", 20, 150_000),
        new LedgerRecord.Entry("1-b3", 5, -100_000)));
    long readAt = 10_000 * MS;

    ResourceLedger next = ResourceLedger.restore(CONFIG, 2, 0.001, record, readAt);

    assertThat(next.headroom(readAt)).isEqualTo(75);
    assertThat(next.headroom(readAt - 100 * MS + W)).as("closed, at end + W").isEqualTo(75);
    assertThat(next.headroom(readAt - 100 * MS + W + 50 * MS)).isEqualTo(80);
    assertThat(next.headroom(readAt + 150 * MS + W)).as("open, at end + W").isEqualTo(80);
    assertThat(next.headroom(readAt + 150 * MS + W + 50 * MS)).isEqualTo(100);
  }

  @Test
  void aNewLeaderCannotOverGrantWhatTheOldOneHeld() {
    ask("a", 10, 0);
    recordBlock(ledger, 0);
    GrantedLease a = ask("a", 10, 0).lease();
    GrantedLease b = ask("b", 10, 0).lease();
    ledger.returnLease(a.id(), 5, 10 * MS);
    ledger.tick(150 * MS); // b expires: the block closes with 15 spent
    assertThat(b.block().state()).isEqualTo(Block.State.CLOSED);
    ask("a", 10, 150 * MS);
    LedgerWrite last = ledger.prepareWrite(150 * MS);
    ledger.writeSucceeded(last, 152 * MS);
    assertThat(ask("a", 10, 152 * MS).lease()).isNotNull();
    LedgerRecord stored = LedgerRecord.decode(last.record().encode(), "/ledger/test");

    long readAt = 160 * MS;
    ResourceLedger next = ResourceLedger.restore(CONFIG, 2, 0.001, stored, readAt);

    assertThat(next.headroom(readAt)).isEqualTo(100 - 15 - 20);
    assertThat(next.charged(LIMIT, b.end() + W - 1)).as("closed block until end + W").isEqualTo(35);
    assertThat(next.charged(LIMIT, last.reserved().validUntil + W - 1)).as("open block")
        .isEqualTo(20);
    long granted = 0;
    for (int i = 0; i < 100; i++) {
      Grant grant = ask(next, "c" + i, 10, readAt);
      granted += grant.lease() == null ? 0 : grant.lease().permits();
      upkeep(next, readAt);
    }
    assertThat(granted).isEqualTo(65);
  }

  @Test
  void theRecordStaysSmallForLongWindowsAndMergesOnlyTowardsLaterEnds() {
    ResourceConfig config = ResourceConfig.builder("hour").limit(100_000, Duration.ofHours(1))
        .maxLeasePermits(1).leaseTtl(Duration.ofMillis(100)).build();
    ResourceLedger hour = new ResourceLedger(config, 1, 0.0, 0);
    long now = 0;
    for (int i = 0; i < 2_000; i++, now += 10 * MS) {
      upkeep(hour, now);
      GrantedLease lease = ask(hour, "a", 1, now).lease();
      if (lease != null) {
        hour.returnLease(lease.id(), 1, now + MS);
      }
      hour.tick(now + 2 * MS);
    }
    hour.tick(now + 500 * MS);
    LedgerRecord record = hour.prepareWrite(now + 500 * MS).record();

    assertThat(record.entries()).hasSizeLessThanOrEqualTo(512);
    assertThat(record.entries().stream().mapToLong(LedgerRecord.Entry::count).sum())
        .as("every spent permit is still recorded").isGreaterThanOrEqualTo(1_900);
    assertThat(record.encode().length).as("bytes in the znode").isLessThan(64 * 1024);
  }

  @Test
  void aNewLeaderWritesWhatItInherited() {
    LedgerRecord record = new LedgerRecord(List.of(new LedgerRecord.Entry("1-b7", 20, 150_000)));
    ResourceLedger next = ResourceLedger.restore(CONFIG, 2, 0.0, record, 0);

    LedgerWrite write = next.prepareWrite(100 * MS);

    assertThat(write.record().entries()).singleElement().satisfies(e -> {
      assertThat(e.id()).isEqualTo("1-b7");
      assertThat(e.count()).isEqualTo(20);
      assertThat(e.endOffsetMicros()).isGreaterThanOrEqualTo(50_000);
    });
  }
}

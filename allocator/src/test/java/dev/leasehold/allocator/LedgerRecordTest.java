package dev.leasehold.allocator;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LedgerRecordTest {
  private static final String PATH = "/leasehold/ledger/openai";

  @Test
  void roundTripsEveryEntry() {
    LedgerRecord record = new LedgerRecord(List.of(
        new LedgerRecord.Entry("7-b12", 40, 1_500_000),
        new LedgerRecord.Entry("6-b3", 38, -420_000),
        new LedgerRecord.Entry("6-b4", Long.MAX_VALUE, Long.MIN_VALUE)));

    assertThat(LedgerRecord.decode(record.encode(), PATH)).isEqualTo(record);
  }

  @Test
  void encodesReadableText() {
    LedgerRecord record = new LedgerRecord(List.of(new LedgerRecord.Entry("7-b12", 40, 1_500_000)));

    assertThat(new String(record.encode(), UTF_8))
        .isEqualTo("leasehold-ledger v1\n7-b12 40 1500000\n");
  }

  @Test
  void roundTripsTheEmptyRecord() {
    assertThat(LedgerRecord.decode(LedgerRecord.EMPTY.encode(), PATH).entries()).isEmpty();
  }

  @Test
  void readsEmptyOrMissingDataAsTheEmptyLedger() {
    assertThat(LedgerRecord.decode(new byte[0], PATH)).isEqualTo(LedgerRecord.EMPTY);
    assertThat(LedgerRecord.decode(null, PATH)).isEqualTo(LedgerRecord.EMPTY);
  }

  @Test
  void rejectsDataWithoutTheHeaderNamingThePath() {
    assertThatThrownBy(() -> LedgerRecord.decode("hello world".getBytes(UTF_8), PATH))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(PATH);
  }

  @Test
  void rejectsBinaryGarbageNamingThePath() {
    byte[] garbage = {(byte) 0xff, 0, 17, (byte) 0x80, 'x', '\n', 3};

    assertThatThrownBy(() -> LedgerRecord.decode(garbage, PATH))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(PATH);
  }

  @Test
  void rejectsALineWithTheWrongNumberOfFields() {
    byte[] data = "leasehold-ledger v1\n7-b12 40\n".getBytes(UTF_8);

    assertThatThrownBy(() -> LedgerRecord.decode(data, PATH))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(PATH)
        .hasMessageContaining("line 2");
  }

  @Test
  void rejectsABadNumberNamingThePath() {
    byte[] data = "leasehold-ledger v1\n7-b12 forty 1500000\n".getBytes(UTF_8);

    assertThatThrownBy(() -> LedgerRecord.decode(data, PATH))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(PATH)
        .hasMessageContaining("bad number");
  }

  @Test
  void copiesEntriesSoTheRecordIsImmutable() {
    List<LedgerRecord.Entry> entries = new java.util.ArrayList<>();
    entries.add(new LedgerRecord.Entry("1-b0", 5, 10));
    LedgerRecord record = new LedgerRecord(entries);
    entries.clear();

    assertThat(record.entries()).hasSize(1);
  }
}

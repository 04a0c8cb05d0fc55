package dev.leasehold.allocator;

import com.google.common.collect.ImmutableList;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What one resource's ledger znode holds: every charge that may still count in some window,
 * each with its end as an offset from the instant just before the write was sent. Offsets are
 * durations on the writer's clock, never timestamps, so a reader on another machine can place
 * them on its own clock (see {@link ResourceLedger#restore}).
 *
 * <p>Stored as text so an operator can read it with {@code zkCli.sh get}:
 * <pre>
 * leasehold-ledger v1
 * 7-b12 40 1500000     # id, permits charged, end offset in microseconds (> 0: may still spend)
 * 6-b3 38 -420000      # ended 420 ms before the write
 * </pre>
 */
record LedgerRecord(List<Entry> entries) {
  private static final String HEADER = "leasehold-ledger v1";

  /** One charge: {@code count} permits that count in a window until {@code endOffsetMicros}. */
  record Entry(String id, long count, long endOffsetMicros) {}

  static final LedgerRecord EMPTY = new LedgerRecord(List.of());

  LedgerRecord {
    entries = ImmutableList.copyOf(entries);
  }

  byte[] encode() {
    StringBuilder out = new StringBuilder(HEADER).append('\n');
    for (Entry e : entries) {
      out.append(e.id()).append(' ').append(e.count()).append(' ').append(e.endOffsetMicros())
          .append('\n');
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Parses a stored record; empty data is the empty ledger.
   *
   * @throws IllegalStateException when the data is not a ledger record: refusing to lead is the
   *     only safe answer to a ledger we cannot read
   */
  static LedgerRecord decode(byte[] data, String path) {
    if (data == null || data.length == 0) {
      return EMPTY;
    }
    String[] lines = new String(data, StandardCharsets.UTF_8).split("\n");
    if (!lines[0].equals(HEADER)) {
      throw new IllegalStateException("ledger znode " + path + " does not start with '" + HEADER
          + "'; another program may share the namespace");
    }
    ImmutableList.Builder<Entry> entries = ImmutableList.builder();
    for (int i = 1; i < lines.length; i++) {
      String[] f = lines[i].trim().split(" ");
      if (f.length != 3) {
        throw new IllegalStateException("ledger znode " + path + " line " + (i + 1)
            + " is not 'id count endOffsetMicros': " + lines[i]);
      }
      try {
        entries.add(new Entry(f[0], Long.parseLong(f[1]), Long.parseLong(f[2])));
      } catch (NumberFormatException e) {
        throw new IllegalStateException("ledger znode " + path + " line " + (i + 1)
            + " has a bad number: " + lines[i], e);
      }
    }
    return new LedgerRecord(entries.build());
  }
}

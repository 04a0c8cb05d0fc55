package dev.leasehold.allocator;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;

/**
 * What ended leases spent: permits, each with the instant after which they no longer count,
 * kept in arrival order. The deque stays bounded: past {@value #MAX} entries the two oldest are
 * merged into one that ends at the later of their ends, which only ever makes the ledger more
 * cautious. Not thread-safe: owned by a {@link ResourceLedger}.
 */
final class EndedCharges {
  private static final int MAX = 4096;

  private static final class Entry {
    long count;
    long end;

    Entry(long count, long end) {
      this.count = count;
      this.end = end;
    }
  }

  private final ArrayDeque<Entry> entries = new ArrayDeque<>();

  void add(long count, long end) {
    entries.addLast(new Entry(count, end));
    if (entries.size() > MAX) {
      Entry oldest = entries.pollFirst();
      Entry next = entries.peekFirst();
      next.count += oldest.count;
      next.end = Math.max(next.end, oldest.end);
    }
  }

  /** Permits whose end is at or after {@code since}. */
  long countSince(long since) {
    long sum = 0;
    for (Entry e : entries) {
      if (e.end >= since) {
        sum += e.count;
      }
    }
    return sum;
  }

  /** Adds {end, count} of every entry ending at or after {@code since} to {@code out}. */
  void addTo(List<long[]> out, long since) {
    for (Entry e : entries) {
      if (e.end >= since) {
        out.add(new long[] {e.end, e.count});
      }
    }
  }

  /** Drops entries that ended before {@code cutoff}: no window can see them any more. */
  void forgetBefore(long cutoff) {
    for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
      if (it.next().end < cutoff) {
        it.remove();
      }
    }
  }
}

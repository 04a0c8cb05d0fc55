package dev.leasehold.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a run did, kept cheaply: a ring of the latest events (formatted only when a run fails)
 * and every notable event (faults, leadership changes), which are few.
 */
final class Trace {
  private static final int RING = 80;

  private final long[] times = new long[RING];
  private final String[] owners = new String[RING];
  private final String[] whats = new String[RING];
  private final Object[] details = new Object[RING];
  private long recorded;
  private final List<String> notable = new ArrayList<>();

  void record(long time, Object owner, String what, Object detail) {
    int i = (int) (recorded++ % RING);
    times[i] = time;
    owners[i] = owner == null ? "-" : owner.toString();
    whats[i] = what;
    details[i] = detail;
  }

  void note(long time, String text) {
    if (notable.size() < 500) {
      notable.add(line(time, "!", text, null));
    }
  }

  /** The notable events, then the last {@code tail} events, one per line. */
  List<String> lines(int tail) {
    List<String> out = new ArrayList<>(notable);
    out.add("... last events:");
    long from = Math.max(0, recorded - Math.min(tail, RING));
    for (long k = from; k < recorded; k++) {
      int i = (int) (k % RING);
      out.add(line(times[i], owners[i], whats[i], details[i]));
    }
    return out;
  }

  static String line(long time, String owner, String what, Object detail) {
    return String.format(Locale.ROOT, "%11.3fms %-8s %s%s", time / 1e6, owner, what,
        detail == null ? "" : " " + detail);
  }
}

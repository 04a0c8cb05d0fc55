package dev.leasehold.sim;

import dev.leasehold.allocator.Limit;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The safety property, checked as a provider would: every permit admitted anywhere in the fleet
 * is stamped with true simulated time, and for every limit no closed interval of length
 * {@code window} may hold more than {@code permits}. The busiest window always ends at an
 * admission, so checking the window ending at each new admission checks every window.
 */
final class WindowOracle {
  private final List<Limit> limits;
  private final long[] windows;
  private final ArrayDeque<long[]>[] recent;
  private final long[] inWindow;
  private final long[] worst;
  private long admitted;

  @SuppressWarnings("unchecked")
  WindowOracle(List<Limit> limits) {
    this.limits = limits;
    this.windows = new long[limits.size()];
    this.recent = new ArrayDeque[limits.size()];
    this.inWindow = new long[limits.size()];
    this.worst = new long[limits.size()];
    for (int i = 0; i < limits.size(); i++) {
      windows[i] = limits.get(i).window().toNanos();
      recent[i] = new ArrayDeque<>();
    }
  }

  /**
   * Records {@code permits} admitted at true time {@code now}.
   *
   * @return a description of the first limit broken, or null
   */
  String admit(long now, int permits) {
    admitted += permits;
    String broken = null;
    for (int i = 0; i < windows.length; i++) {
      ArrayDeque<long[]> q = recent[i];
      while (!q.isEmpty() && q.peekFirst()[0] < now - windows[i]) {
        inWindow[i] -= q.pollFirst()[1];
      }
      q.addLast(new long[] {now, permits});
      inWindow[i] += permits;
      worst[i] = Math.max(worst[i], inWindow[i]);
      if (broken == null && inWindow[i] > limits.get(i).permits()) {
        broken = String.format("limit %s broken: %d permits admitted in [%.3fms, %.3fms]",
            limits.get(i), inWindow[i], (now - windows[i]) / 1e6, now / 1e6);
      }
    }
    return broken;
  }

  long admitted() {
    return admitted;
  }

  /** The most permits seen in one window of limit {@code i}. */
  long worst(int i) {
    return worst[i];
  }
}

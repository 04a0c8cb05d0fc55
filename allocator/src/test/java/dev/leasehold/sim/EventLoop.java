package dev.leasehold.sim;

import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * Discrete-event scheduler on true simulated time (nanoseconds from 0). Ties run in scheduling
 * order, so a run is a pure function of its seed. Single-threaded: the simulated processes'
 * "threads" are just events, which is what makes every interleaving reproducible.
 */
final class EventLoop {
  private static final Comparator<Event> ORDER =
      Comparator.comparingLong((Event e) -> e.time).thenComparingLong(e -> e.seq);

  private final PriorityQueue<Event> queue = new PriorityQueue<>(ORDER);
  private final Trace trace = new Trace();
  private long now;
  private long seq;
  private long executed;

  private record Event(long time, long seq, SimProcess owner, int incarnation, String what,
      Object detail, Runnable action) {}

  long now() {
    return now;
  }

  long executed() {
    return executed;
  }

  Trace trace() {
    return trace;
  }

  /**
   * Runs {@code action} at true time {@code time}. An event with an owner runs only while that
   * owner is up in the given incarnation, and waits while the owner is paused.
   */
  void at(long time, SimProcess owner, int incarnation, String what, Object detail,
      Runnable action) {
    queue.add(new Event(Math.max(time, now), seq++, owner, incarnation, what, detail, action));
  }

  /** An event of the world itself (ZooKeeper, the fault injector): never paused or dropped. */
  void after(long delay, String what, Object detail, Runnable action) {
    at(now + delay, null, 0, what, detail, action);
  }

  /** Runs the next event due no later than {@code end}; false when there is none. */
  boolean step(long end) {
    Event e = queue.peek();
    if (e == null || e.time > end) {
      return false;
    }
    queue.poll();
    now = e.time;
    if (e.owner != null) {
      if (!e.owner.accepts(e.incarnation)) {
        return true;
      }
      if (e.owner.pausedUntil() > now) {
        // Requeued in pop order, so a paused process still sees its events in their order.
        at(e.owner.pausedUntil(), e.owner, e.incarnation, e.what, e.detail, e.action);
        return true;
      }
    }
    executed++;
    trace.record(now, e.owner, e.what, e.detail);
    e.action.run();
    return true;
  }
}

package dev.leasehold.sim;

/**
 * What the event loop knows of a process: its clock, whether it is up, its incarnation (bumped
 * on every crash, so timers and replies addressed to a dead incarnation are dropped), and until
 * when it is paused (its events wait, as a stopped JVM's threads would).
 */
final class SimProcess {
  /** Events addressed to the process rather than to one incarnation: network messages. */
  static final int ANY_INCARNATION = -1;

  final String name;
  private final EventLoop loop;
  private VirtualTicker ticker;
  private int incarnation;
  private boolean down;
  private long pausedUntil;

  SimProcess(String name, EventLoop loop, VirtualTicker ticker) {
    this.name = name;
    this.loop = loop;
    this.ticker = ticker;
  }

  VirtualTicker ticker() {
    return ticker;
  }

  int incarnation() {
    return incarnation;
  }

  boolean isDown() {
    return down;
  }

  boolean accepts(int eventIncarnation) {
    return !down && (eventIncarnation == ANY_INCARNATION || eventIncarnation == incarnation);
  }

  long pausedUntil() {
    return pausedUntil;
  }

  boolean isPaused() {
    return pausedUntil > loop.now();
  }

  /** Runs {@code action} once this incarnation's clock has advanced by {@code localNanos}. */
  void after(long localNanos, String what, Object detail, Runnable action) {
    loop.at(loop.now() + ticker.toTrue(localNanos), this, incarnation, what, detail, action);
  }

  /** Runs {@code action} when this incarnation's clock reads {@code reading}. */
  void atReading(long reading, String what, Object detail, Runnable action) {
    loop.at(Math.max(loop.now(), ticker.trueTimeOf(reading)), this, incarnation, what, detail,
        action);
  }

  /** Dies at once: memory, timers and in-flight replies are lost. */
  void crash() {
    down = true;
    incarnation++;
  }

  /** Comes back with a fresh clock (a new process has a new monotonic origin). */
  void restart(VirtualTicker fresh) {
    down = false;
    ticker = fresh;
  }

  /** Stops running for {@code trueNanos}: a GC pause or SIGSTOP; its clock keeps running. */
  void pause(long trueNanos) {
    pausedUntil = Math.max(pausedUntil, loop.now() + trueNanos);
  }

  @Override
  public String toString() {
    return name;
  }
}

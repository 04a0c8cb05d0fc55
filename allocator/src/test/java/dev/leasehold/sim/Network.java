package dev.leasehold.sim;

import java.util.SplittableRandom;

/**
 * The lossy, reordering network between clients and allocators (and between allocators and
 * ZooKeeper). Each message gets an independent random delay, so two messages on one path can
 * arrive in either order; under chaos some take a long detour (a retransmit, a GC on the path)
 * and some are lost. Delivery is an event owned by the receiver: it waits while the receiver is
 * paused and vanishes when the receiver is down.
 */
final class Network {
  private final EventLoop loop;
  private final SplittableRandom rng;
  private final long minDelay;
  private final long maxDelay;
  private final double loss;
  private final double spikes;
  private final long maxSpike;
  private long sent;
  private long lost;

  Network(EventLoop loop, SplittableRandom rng, long minDelay, long maxDelay, double loss,
      double spikes, long maxSpike) {
    this.loop = loop;
    this.rng = rng;
    this.minDelay = minDelay;
    this.maxDelay = maxDelay;
    this.loss = loss;
    this.spikes = spikes;
    this.maxSpike = maxSpike;
  }

  /** Sends a message; {@code onArrival} runs at {@code to} if it arrives. */
  void send(SimProcess to, String what, Object message, Runnable onArrival) {
    sent++;
    if (loss > 0 && rng.nextDouble() < loss) {
      lost++;
      return;
    }
    loop.at(loop.now() + delay(), to, SimProcess.ANY_INCARNATION, what, message, onArrival);
  }

  /** A one-way delay drawn from this network's distribution. */
  long delay() {
    long d = minDelay + (long) (rng.nextDouble() * (maxDelay - minDelay));
    if (spikes > 0 && rng.nextDouble() < spikes) {
      d += (long) (rng.nextDouble() * maxSpike);
    }
    return d;
  }

  /** Whether a message is lost, for paths that handle delivery themselves. */
  boolean drops() {
    if (loss > 0 && rng.nextDouble() < loss) {
      lost++;
      return true;
    }
    return false;
  }

  long sent() {
    return sent;
  }

  long lost() {
    return lost;
  }
}

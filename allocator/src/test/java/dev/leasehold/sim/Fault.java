package dev.leasehold.sim;

/** The kinds of fault a scenario may inject; a run draws its faults from the scenario's set. */
enum Fault {
  /** Client-allocator messages: 3% lost, 5% delayed by up to 300 ms (so reordered). */
  MESSAGE_CHAOS,
  /** Replies from ZooKeeper lost: the allocator cannot tell whether its write happened. */
  ZK_REPLY_LOSS,
  /** An allocator replica (usually the leader) dies and restarts later with a new clock. */
  ALLOCATOR_CRASH,
  /**
   * The leader stops (GC, SIGSTOP) and wakes after a successor took over; it still believes it
   * leads for a while and answers clients from memory.
   */
  LEADER_PAUSE,
  /** ZooKeeper expires a replica's session; the replica hears of it only later. */
  SESSION_EXPIRY,
  /** The leader's connection is SUSPENDED: it stops granting and rejoins the election. */
  ZK_SUSPEND,
  /** A client dies holding leases, which are never returned. */
  CLIENT_CRASH,
  /** A client dies and comes back as a new process with a new id. */
  CLIENT_RESTART
}

package dev.leasehold.sim;

/**
 * Deliberate bugs in the simulator's adapters (never in the core), to prove the oracle and the
 * fault injection can catch what they claim to.
 */
enum Breakage {
  NONE,
  /** A new leader restores from an empty ledger: it forgets what earlier leaders reserved. */
  FORGET_LEDGER,
  /** The store writes the ledger blindly: no epoch check, no ledger version check. */
  BLIND_STORE
}

package dev.leasehold.sim;

/**
 * How the fleet wants permits. In every pattern the fleet as a whole asks for about 1.5 times
 * what the tightest limit allows, so the limit is what stops it.
 */
enum Demand {
  /** Every client wants the same steady rate. */
  STEADY,
  /** Everyone bursts together for 30% of a period at 3.3 times the rate, then goes quiet. */
  BURSTY,
  /** One client wants 100 times what each of the others wants. */
  SKEWED,
  /** Clients join at random times and leave cleanly (returning their leases) later. */
  CHURN
}

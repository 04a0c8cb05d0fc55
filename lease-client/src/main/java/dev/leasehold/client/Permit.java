package dev.leasehold.client;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Permits acquired with {@link QuotaLimiter#acquirePermits}, of which the unused part can be
 * given back once the call is done — for budgets whose cost is known only afterwards, such as
 * LLM tokens:
 *
 * <pre>{@code
 * Permit permit = tokens.acquirePermits(estimate);
 * Response r = llm.complete(prompt);
 * permit.refund(estimate - r.tokensUsed());   // hands back what was over-estimated
 * }</pre>
 *
 * <p>Refunded permits go back into the lease they came from and can be acquired again while it
 * is valid: the client keeps a spent-out lease until its unsettled permits are settled or it
 * expires. Once the lease was returned a refund is lost, which errs on the safe side. A refund is
 * a promise that the permits were not used: never refund what reached the provider.
 * Thread-safe; {@link #refund} may be called once.
 */
public final class Permit {
  private final int permits;
  private final HeldLease lease;
  private final AtomicBoolean settled = new AtomicBoolean();

  Permit(int permits, HeldLease lease) {
    this.permits = permits;
    this.lease = lease;
    if (lease != null) {
      lease.permitOut();
    }
  }

  /** The permits acquired. */
  public int permits() {
    return permits;
  }

  /**
   * Gives back {@code unused} of the permits; 0 settles the permit without a refund.
   *
   * @throws IllegalArgumentException if {@code unused} is negative or more than were acquired
   * @throws IllegalStateException if this permit was already refunded
   */
  public void refund(int unused) {
    checkArgument(unused >= 0 && unused <= permits,
        "unused must be between 0 and the %s permits acquired, got %s", permits, unused);
    if (!settled.compareAndSet(false, true)) {
      throw new IllegalStateException("this permit was already refunded");
    }
    if (lease != null) {
      if (unused > 0) {
        lease.refund(unused);
      }
      lease.permitSettled();
    }
  }

  @Override
  public String toString() {
    return "Permit[" + permits + (settled.get() ? ", settled]" : "]");
  }
}

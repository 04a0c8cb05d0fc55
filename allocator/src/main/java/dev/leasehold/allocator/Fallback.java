package dev.leasehold.allocator;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * What a client does for a resource while no allocator answers. Clients learn it from the
 * allocator with every grant, so it is configured in one place. Immutable and thread-safe.
 *
 * <ul>
 *   <li>{@link #failClosed()} (the default): leases run out, acquires wait and time out. The
 *       fleet-wide guarantee holds.
 *   <li>{@link #localShare(Limit)}: once the held leases are gone, each client process limits
 *       itself locally to the given rate (say the limit divided by the expected fleet size) until
 *       an allocator answers again. <b>The fleet-wide guarantee is suspended</b> meanwhile: the
 *       client logs a warning and reports it in its stats.
 * </ul>
 */
public final class Fallback {
  private static final Fallback FAIL_CLOSED = new Fallback(null);

  private final Limit localLimit;

  private Fallback(Limit localLimit) {
    this.localLimit = localLimit;
  }

  public static Fallback failClosed() {
    return FAIL_CLOSED;
  }

  /** Each process limits itself to {@code perProcess} while no allocator answers. */
  public static Fallback localShare(Limit perProcess) {
    return new Fallback(requireNonNull(perProcess, "perProcess"));
  }

  /** The per-process limit of {@code local-share}, or empty for {@code fail-closed}. */
  public Optional<Limit> localLimit() {
    return Optional.ofNullable(localLimit);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Fallback && java.util.Objects.equals(((Fallback) o).localLimit, localLimit);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hashCode(localLimit);
  }

  @Override
  public String toString() {
    return localLimit == null ? "fail-closed" : "local-share " + localLimit;
  }
}

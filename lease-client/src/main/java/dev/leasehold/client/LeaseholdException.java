package dev.leasehold.client;

/**
 * Thrown when Leasehold cannot do what was asked for a reason outside the caller's arguments:
 * ZooKeeper or the allocator cannot be reached, no allocator leads, or the client was closed.
 * The message says what to check.
 */
public class LeaseholdException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LeaseholdException(String message) {
    super(message);
  }

  public LeaseholdException(String message, Throwable cause) {
    super(message, cause);
  }
}

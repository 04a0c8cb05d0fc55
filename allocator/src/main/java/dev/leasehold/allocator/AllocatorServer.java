package dev.leasehold.allocator;

/** Being written. */
final class AllocatorServer {
  AllocatorServer(AllocatorSettings settings) {}
  void start() {}
  boolean isLeader() { return false; }
  String endpoint() { return null; }
  int port() { return 0; }
  long epoch() { return 0; }
  void close() {}
}

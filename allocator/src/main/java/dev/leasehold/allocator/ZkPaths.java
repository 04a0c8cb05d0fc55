package dev.leasehold.allocator;

/** The znodes of one namespace. See docs/operations.md for what each holds. */
record ZkPaths(String namespace) {
  String root() {
    return "/" + namespace;
  }

  /** LeaderLatch participants. */
  String election() {
    return root() + "/election";
  }

  /** Its version is the leader epoch: every ledger write checks it. */
  String epoch() {
    return root() + "/epoch";
  }

  /** Ephemeral; the leader's endpoint and epoch as a {@code LeaderInfo} message. */
  String leader() {
    return root() + "/leader";
  }

  String ledger(String resource) {
    return root() + "/ledger/" + resource;
  }
}

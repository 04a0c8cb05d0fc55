package dev.leasehold.allocator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One leadership of this replica: its epoch, the ledger of every resource, and the version of
 * each ledger znode as this leader last wrote it. Replaced as a whole on every election; a
 * replica that is not leading has none.
 */
final class LeaderTerm {
  final long epoch;
  final Map<String, ResourceLedger> ledgers;
  private final Map<String, Integer> ledgerVersions;

  LeaderTerm(long epoch, Map<String, ResourceLedger> ledgers, Map<String, Integer> versions) {
    this.epoch = epoch;
    this.ledgers = Map.copyOf(ledgers);
    this.ledgerVersions = new ConcurrentHashMap<>(versions);
  }

  int ledgerVersion(String resource) {
    return ledgerVersions.get(resource);
  }

  void ledgerWritten(String resource, int version) {
    ledgerVersions.put(resource, version);
  }
}

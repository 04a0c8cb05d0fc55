package dev.leasehold.sim;

/**
 * The broken store of {@link Breakage#BLIND_STORE}: ledger writes skip both the epoch check and
 * the ledger version check, so a deposed leader's writes land.
 */
final class BlindZooKeeper extends SimZooKeeper {
  @Override
  Result checkAndSet(String checkPath, int checkVersion, String path, byte[] data, int version) {
    return setData(path, data, -1);
  }
}

package dev.leasehold.sim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A ZooKeeper stand-in with the semantics the allocator relies on: znodes with data and a
 * version that every {@code setData} bumps, conditional writes that fail on a version mismatch,
 * an atomic {@code multi(check, setData)}, sessions, and ephemeral (sequential) znodes that
 * vanish when their session expires. The ensemble itself never fails here; what fails is
 * everything around it (sessions, replies, the processes that use it).
 *
 * <p>Operations are applied atomically at the instant the simulated request reaches the server;
 * {@link SimAllocator} adds the network on both sides.
 */
class SimZooKeeper {
  static final String EPOCH = "/leasehold/epoch";
  static final String LEDGER = "/leasehold/ledger/sim";
  static final String LEADER = "/leasehold/leader";
  static final String ELECTION = "/leasehold/election/n-";

  /** The outcome of a conditional operation; {@code version} is the written znode's new one. */
  record Result(boolean ok, int version) {
    static final Result BAD_VERSION = new Result(false, -1);
  }

  /** What a read returns. */
  record Read(byte[] data, int version) {}

  private static final class Node {
    byte[] data;
    int version;
    final long ephemeralOwner;

    Node(byte[] data, long ephemeralOwner) {
      this.data = data;
      this.ephemeralOwner = ephemeralOwner;
    }
  }

  private final TreeMap<String, Node> nodes = new TreeMap<>();
  private final Set<Long> liveSessions = new HashSet<>();
  private long nextSession = 1;
  private long nextSequence;
  private Runnable onEphemeralChange = () -> {};
  private long writes;

  void onEphemeralChange(Runnable listener) {
    this.onEphemeralChange = listener;
  }

  long writes() {
    return writes;
  }

  // ---------------------------------------------------------------- sessions

  long openSession() {
    long id = nextSession++;
    liveSessions.add(id);
    return id;
  }

  boolean isAlive(long session) {
    return liveSessions.contains(session);
  }

  /** Expires a session: its ephemeral znodes are deleted and watchers fire. */
  void expire(long session) {
    if (!liveSessions.remove(session)) {
      return;
    }
    boolean changed = nodes.values().removeIf(n -> n.ephemeralOwner == session);
    if (changed) {
      onEphemeralChange.run();
    }
  }

  // ---------------------------------------------------------------- data

  /** Reads a znode, creating it empty first when missing (as {@code BlockStore.read} does). */
  Read read(String path) {
    Node n = nodes.computeIfAbsent(path, p -> new Node(new byte[0], 0));
    return new Read(n.data, n.version);
  }

  /** {@code setData} with a version check ({@code -1}: any version). */
  Result setData(String path, byte[] data, int expectedVersion) {
    Node n = nodes.computeIfAbsent(path, p -> new Node(new byte[0], 0));
    if (expectedVersion != -1 && n.version != expectedVersion) {
      return Result.BAD_VERSION;
    }
    n.data = data;
    n.version++;
    writes++;
    return new Result(true, n.version);
  }

  /**
   * The fenced ledger write: {@code multi(check(checkPath, checkVersion), setData(path, data,
   * version))}, all or nothing.
   */
  Result checkAndSet(String checkPath, int checkVersion, String path, byte[] data, int version) {
    Node fence = nodes.get(checkPath);
    if (fence == null || fence.version != checkVersion) {
      return Result.BAD_VERSION;
    }
    return setData(path, data, version);
  }

  /** The epoch bump: the epoch znode's new version is the new leader's epoch. */
  long bumpEpoch(byte[] owner) {
    Node n = nodes.computeIfAbsent(EPOCH, p -> new Node(new byte[0], 0));
    return setData(EPOCH, owner, n.version).version();
  }

  /**
   * Publishes the leader znode (ephemeral, replacing any earlier one) under the epoch fence.
   *
   * @return false when the epoch has moved on
   */
  boolean publishLeader(long epoch, byte[] info, long session) {
    Node fence = nodes.get(EPOCH);
    if (fence == null || fence.version != epoch || !isAlive(session)) {
      return false;
    }
    nodes.put(LEADER, new Node(info, session));
    writes++;
    return true;
  }

  /** The published leader's data, or null. */
  byte[] leader() {
    Node n = nodes.get(LEADER);
    return n == null ? null : n.data;
  }

  // ---------------------------------------------------------------- election

  /** Creates an ephemeral sequential znode under the election prefix; returns its path. */
  String joinElection(long session) {
    if (!isAlive(session)) {
      return null;
    }
    String path = String.format("%s%010d", ELECTION, nextSequence++);
    nodes.put(path, new Node(new byte[0], session));
    onEphemeralChange.run();
    return path;
  }

  void delete(String path) {
    if (path != null && nodes.remove(path) != null) {
      onEphemeralChange.run();
    }
  }

  /** The lowest election znode (whose owner the LeaderLatch recipe makes leader), or null. */
  String electionLeaderNode() {
    String first = nodes.ceilingKey(ELECTION);
    return first != null && first.startsWith(ELECTION) ? first : null;
  }

  /** The session owning an ephemeral znode, or -1. */
  long owner(String path) {
    Node n = path == null ? null : nodes.get(path);
    return n == null ? -1 : n.ephemeralOwner;
  }

  List<String> paths() {
    return new ArrayList<>(nodes.keySet());
  }
}

package dev.leasehold.allocator;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSortedMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A named quota and how the allocator leases it: its limits and the bounds of the leases it
 * grants. Immutable and thread-safe; build one with {@link #builder(String)}.
 *
 * <p>Defaults derive from the tightest limit: a lease holds at most 1/40 of its permits (at
 * least 1) and lives a tenth of the shortest window (between 50 ms and 10 s); the allocator
 * reserves quota in ZooKeeper in blocks of the same size as the largest lease.
 */
public final class ResourceConfig {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private final String name;
  private final ImmutableList<Limit> limits;
  private final long minLeasePermits;
  private final long maxLeasePermits;
  private final Duration leaseTtl;
  private final long blockPermits;
  private final AllocationPolicy policy;
  private final ImmutableSortedMap<String, Double> weights;
  private final Fallback fallback;
  private final Duration arrivalMargin;

  private ResourceConfig(Builder b) {
    this.name = b.name;
    this.limits = ImmutableList.sortedCopyOf(Comparator.comparing(Limit::window), b.limits);
    long tightest = limits.stream().mapToLong(Limit::permits).min().orElseThrow();
    Duration shortest = limits.get(0).window();
    this.maxLeasePermits = b.maxLeasePermits > 0 ? b.maxLeasePermits : Math.max(1, tightest / 40);
    this.minLeasePermits = b.minLeasePermits > 0 ? b.minLeasePermits : 1;
    this.leaseTtl = b.leaseTtl != null ? b.leaseTtl : defaultTtl(shortest);
    this.blockPermits = b.blockPermits > 0 ? b.blockPermits : maxLeasePermits;
    this.policy = b.policy;
    this.weights = ImmutableSortedMap.copyOf(b.weights);
    this.fallback = b.fallback;
    this.arrivalMargin = b.arrivalMargin;
    checkArgument(arrivalMargin.compareTo(shortest.dividedBy(2)) <= 0,
        "resource '%s': arrivalMargin (%s) must be at most half the shortest window (%s)",
        name, Durations.format(arrivalMargin), Durations.format(shortest));
    checkArgument(weights.isEmpty() || policy == AllocationPolicy.WEIGHTED,
        "resource '%s': weights are given but the policy is %s; use policy weighted",
        name, policy.configName());
    checkArgument(minLeasePermits <= maxLeasePermits,
        "resource '%s': minLeasePermits (%s) must not exceed maxLeasePermits (%s)",
        name, minLeasePermits, maxLeasePermits);
    checkArgument(maxLeasePermits <= tightest,
        "resource '%s': maxLeasePermits (%s) must not exceed the tightest limit's permits (%s)",
        name, maxLeasePermits, tightest);
    checkArgument(blockPermits >= maxLeasePermits && blockPermits <= tightest,
        "resource '%s': blockPermits (%s) must lie between maxLeasePermits (%s) and the tightest"
            + " limit's permits (%s)", name, blockPermits, maxLeasePermits, tightest);
    checkArgument(leaseTtl.toMillis() >= 10,
        "resource '%s': leaseTtl must be at least 10ms, got %s", name, leaseTtl);
  }

  private static Duration defaultTtl(Duration shortestWindow) {
    long ms = Math.max(50, Math.min(10_000, shortestWindow.toMillis() / 10));
    return Duration.ofMillis(ms);
  }

  /** Starts a config for the resource {@code name} (letters, digits, '.', '_', '-'; ≤ 64). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  /** The limits, shortest window first; never empty. */
  public List<Limit> limits() {
    return limits;
  }

  public long minLeasePermits() {
    return minLeasePermits;
  }

  public long maxLeasePermits() {
    return maxLeasePermits;
  }

  public Duration leaseTtl() {
    return leaseTtl;
  }

  /** Permits the allocator reserves in ZooKeeper per ledger block. */
  public long blockPermits() {
    return blockPermits;
  }

  public AllocationPolicy policy() {
    return policy;
  }

  /** Client-id prefix to weight, for {@link AllocationPolicy#WEIGHTED}. */
  public Map<String, Double> weights() {
    return weights;
  }

  /** A client's weight: that of the longest configured prefix of its id, else 1. */
  double weightOf(String clientId) {
    for (Map.Entry<String, Double> e : weights.descendingMap().entrySet()) {
      if (clientId.startsWith(e.getKey())) {
        return e.getValue();
      }
    }
    return 1;
  }

  /**
   * How late a call may reach the provider after its permit was acquired and still count in
   * the window the allocator counted it in; 10 ms by default. Every end is extended by it, which
   * costs about margin ÷ window of the limit: raise it for providers far away or workers short
   * of CPU (see docs/reliability.md).
   */
  public Duration arrivalMargin() {
    return arrivalMargin;
  }

  /** What clients do while no allocator answers; {@link Fallback#failClosed()} by default. */
  public Fallback fallback() {
    return fallback;
  }

  /** The largest number of permits one acquire may ask for: the tightest limit's permits. */
  public long maxAcquirePermits() {
    return limits.stream().mapToLong(Limit::permits).min().orElseThrow();
  }

  @Override
  public String toString() {
    return name + limits + " lease " + minLeasePermits + ".." + maxLeasePermits + " for "
        + Durations.format(leaseTtl) + ", block " + blockPermits + ", " + policy.configName()
        + (weights.isEmpty() ? "" : " " + weights) + ", fallback " + fallback;
  }

  /** Builds a {@link ResourceConfig}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final List<Limit> limits = new ArrayList<>();
    private long minLeasePermits;
    private long maxLeasePermits;
    private Duration leaseTtl;
    private long blockPermits;
    private AllocationPolicy policy = AllocationPolicy.FAIR_SHARE;
    private final Map<String, Double> weights = new TreeMap<>();
    private Fallback fallback = Fallback.failClosed();
    private Duration arrivalMargin = Duration.ofMillis(10);

    private Builder(String name) {
      requireNonNull(name, "name");
      checkArgument(NAME.matcher(name).matches(),
          "resource name '%s' must be 1-64 letters, digits, '.', '_' or '-'", name);
      this.name = name;
    }

    /** Adds a limit; a resource has one or more, and every one of them holds. */
    public Builder limit(Limit limit) {
      limits.add(requireNonNull(limit, "limit"));
      return this;
    }

    public Builder limit(long permits, Duration window) {
      return limit(new Limit(permits, window));
    }

    public Builder minLeasePermits(long permits) {
      checkArgument(permits > 0, "resource '%s': minLeasePermits must be > 0, got %s", name, permits);
      this.minLeasePermits = permits;
      return this;
    }

    public Builder maxLeasePermits(long permits) {
      checkArgument(permits > 0, "resource '%s': maxLeasePermits must be > 0, got %s", name, permits);
      this.maxLeasePermits = permits;
      return this;
    }

    public Builder leaseTtl(Duration ttl) {
      this.leaseTtl = requireNonNull(ttl, "ttl");
      return this;
    }

    public Builder blockPermits(long permits) {
      checkArgument(permits > 0, "resource '%s': blockPermits must be > 0, got %s", name, permits);
      this.blockPermits = permits;
      return this;
    }

    /** How the quota is divided when demand exceeds it; default fair share. */
    public Builder policy(AllocationPolicy policy) {
      this.policy = requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Gives clients whose id starts with {@code clientIdPrefix} a weight, for
     * {@link AllocationPolicy#WEIGHTED}; the longest matching prefix wins, the default is 1.
     */
    public Builder weight(String clientIdPrefix, double weight) {
      requireNonNull(clientIdPrefix, "clientIdPrefix");
      checkArgument(weight > 0 && weight < 1e6,
          "resource '%s': weight of '%s' must be > 0 and < 1e6, got %s", name, clientIdPrefix,
          weight);
      weights.put(clientIdPrefix, weight);
      return this;
    }

    /** See {@link ResourceConfig#arrivalMargin()}; 0 to 1/2 of the shortest window. */
    public Builder arrivalMargin(Duration margin) {
      requireNonNull(margin, "margin");
      checkArgument(!margin.isNegative(), "resource '%s': arrivalMargin must be >= 0", name);
      this.arrivalMargin = margin;
      return this;
    }

    /** What clients do while no allocator answers. */
    public Builder fallback(Fallback fallback) {
      this.fallback = requireNonNull(fallback, "fallback");
      return this;
    }

    /** @throws IllegalArgumentException when no limit was given or the bounds contradict */
    public ResourceConfig build() {
      checkArgument(!limits.isEmpty(), "resource '%s' has no limit; give at least one", name);
      return new ResourceConfig(this);
    }
  }
}

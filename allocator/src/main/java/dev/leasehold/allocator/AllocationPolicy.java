package dev.leasehold.allocator;

/**
 * How a resource's quota is divided when demand exceeds it. Whatever the policy, a client never
 * holds more than its share, so none can starve another by hoarding, and a client's demand is
 * believed only up to twice what it really spent of its last leases.
 */
public enum AllocationPolicy {
  /** Max-min fairness over demands: small demands are met in full, the rest split evenly. */
  FAIR_SHARE("fair-share"),
  /** Shares proportional to demand. */
  PROPORTIONAL("proportional"),
  /**
   * Max-min fairness weighted per client: a client's weight comes from the longest configured
   * client-id prefix it starts with (default 1), e.g. {@code interactive-: 4, batch-: 1}.
   */
  WEIGHTED("weighted");

  private final String configName;

  AllocationPolicy(String configName) {
    this.configName = configName;
  }

  /** The name used in config files: {@code fair-share}, {@code proportional}, {@code weighted}. */
  public String configName() {
    return configName;
  }

  /** Parses a config name; the message lists the valid ones. */
  public static AllocationPolicy fromConfigName(String name) {
    for (AllocationPolicy p : values()) {
      if (p.configName.equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException("policy '" + name
        + "' is not one of fair-share, proportional, weighted");
  }
}

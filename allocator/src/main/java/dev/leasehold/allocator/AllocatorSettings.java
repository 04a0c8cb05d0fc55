package dev.leasehold.allocator;

import dev.leasehold.client.Ticker;
import java.time.Duration;
import java.util.List;

/** Everything an allocator replica is configured with. */
record AllocatorSettings(
    String zookeeper,
    String namespace,
    String host,
    String bindAddress,
    int port,
    List<ResourceConfig> resources,
    Duration sessionTimeout,
    Duration connectionTimeout,
    Ticker ticker,
    double clockDriftBound) {}

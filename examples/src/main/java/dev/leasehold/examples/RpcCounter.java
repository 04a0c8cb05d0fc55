package dev.leasehold.examples;

import io.grpc.InternalChannelz;
import io.grpc.InternalChannelz.ChannelStats;
import io.grpc.InternalChannelz.RootChannelList;
import io.grpc.InternalInstrumented;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * Counts the gRPC calls this process has started, from gRPC's own channelz statistics: with one
 * {@code LeaseholdClient} in the process, that is its lease requests — its network round trips.
 *
 * <p>The client offers no counter of its own (yet), and channelz is gRPC's internal API, so this
 * is demo code only. A channel is dropped from channelz when the client replaces it after a
 * leader change; {@link #sample()} remembers each channel's last count so those calls still
 * count, and calls made between the last sample and the switch are missed (a handful at most).
 */
final class RpcCounter {
  private final Map<Long, Long> callsByChannel = new HashMap<>();

  /** Reads every root channel's count; call a few times a second. Returns the total so far. */
  synchronized long sample() {
    long from = 0;
    while (true) {
      RootChannelList page = InternalChannelz.instance().getRootChannels(from, 100);
      for (InternalInstrumented<ChannelStats> channel : page.channels) {
        long id = channel.getLogId().getId();
        try {
          callsByChannel.merge(id, channel.getStats().get().callsStarted, Math::max);
        } catch (ExecutionException e) {
          // A channel shutting down may fail to report; its last sample stands.
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return total();
        }
        from = id + 1;
      }
      if (page.end || page.channels.isEmpty()) {
        return total();
      }
    }
  }

  private long total() {
    return callsByChannel.values().stream().mapToLong(Long::longValue).sum();
  }
}

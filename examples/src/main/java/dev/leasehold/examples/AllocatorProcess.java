package dev.leasehold.examples;

import dev.leasehold.allocator.Allocator;
import dev.leasehold.allocator.Limit;
import dev.leasehold.allocator.ResourceConfig;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * One allocator replica as its own JVM, so that the demo can kill it for real. Arguments:
 * {@code ZOOKEEPER NAMESPACE RESOURCE LIMIT LEASE_SIZE SESSION_TIMEOUT_MS}. It prints
 * {@code ENDPOINT host:port} once serving and {@code LEADING epoch} whenever it becomes leader,
 * and exits when its stdin closes.
 */
final class AllocatorProcess {
  private AllocatorProcess() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println("usage: AllocatorProcess ZOOKEEPER NAMESPACE RESOURCE LIMIT LEASE_SIZE"
          + " SESSION_TIMEOUT_MS");
      System.exit(2);
    }
    ResourceConfig resource = ResourceConfig.builder(args[2])
        .limit(Limit.parse(args[3]))
        .maxLeasePermits(Long.parseLong(args[4]))
        .build();
    Allocator allocator = Allocator.builder()
        .zookeeper(args[0])
        .namespace(args[1])
        .resource(resource)
        .sessionTimeout(Duration.ofMillis(Long.parseLong(args[5])))
        .build();
    allocator.start();
    System.out.println("ENDPOINT " + allocator.endpoint());
    Thread watcher = new Thread(() -> reportLeadership(allocator), "leadership");
    watcher.setDaemon(true);
    watcher.start();
    awaitEndOfInput(System.in);
    allocator.close();
    System.exit(0);
  }

  private static void reportLeadership(Allocator allocator) {
    long reported = 0;
    while (true) {
      long epoch = allocator.isLeader() ? allocator.epoch() : 0;
      if (epoch != reported && epoch != 0) {
        System.out.println("LEADING " + epoch);
      }
      reported = epoch;
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Blocks until the parent closes our stdin, or dies. */
  static void awaitEndOfInput(InputStream in) {
    try {
      while (in.read() >= 0) {
        // Allocators take no commands.
      }
    } catch (IOException e) {
      // Treat like end of input.
    }
  }
}

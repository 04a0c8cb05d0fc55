package dev.leasehold.benchmarks;

import dev.leasehold.allocator.Allocator;
import dev.leasehold.allocator.Limit;
import dev.leasehold.allocator.ResourceConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;

/**
 * One allocator in a JVM of its own, so that {@link AllocatorScale} can measure its CPU and heap
 * apart from the load generator's. Prints {@code endpoint HOST:PORT} once it leads, then
 * answers {@code stats} on stdin with {@code heap BYTES} (used after a full GC) and exits on
 * {@code quit} or end of input.
 */
public final class AllocatorProcess {
  private AllocatorProcess() {}

  public static void main(String[] args) throws Exception {
    String zookeeper = Measured.arg(args, "zookeeper", "127.0.0.1:2181");
    String namespace = Measured.arg(args, "namespace", "leasehold");
    int resources = Integer.parseInt(Measured.arg(args, "resources", "1"));
    long perSecond = Long.parseLong(Measured.arg(args, "limit-per-second", "200000000"));
    Allocator.Builder builder = Allocator.builder().zookeeper(zookeeper).namespace(namespace);
    for (int i = 0; i < resources; i++) {
      builder.resource(ResourceConfig.builder("r" + i).limit(Limit.perSecond(perSecond)).build());
    }
    try (Allocator allocator = builder.build()) {
      allocator.start();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!allocator.isLeader() && System.nanoTime() - deadline < 0) {
        Thread.sleep(10);
      }
      if (!allocator.isLeader()) {
        throw new IllegalStateException("did not become leader within 30 s");
      }
      System.out.println("endpoint " + allocator.endpoint());
      System.out.flush();
      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
          StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
        if (line.equals("stats")) {
          System.gc();
          System.out.println("heap " + memory.getHeapMemoryUsage().getUsed());
          System.out.flush();
        }
      }
    }
  }
}

package dev.leasehold.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leasehold.allocator.Allocator;
import dev.leasehold.allocator.EmbeddedZooKeeper;
import dev.leasehold.allocator.Limit;
import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.QuotaLimiter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README's usage example compiling, and running when port 2181 is free. The body of
 * {@link #readmeExample} is copied into README.md verbatim: change both together.
 */
class ReadmeExampleTest {
  /** Stands in for the README's LLM client. */
  interface Llm {
    String complete(String prompt);
  }

  private final List<String> prompts = new ArrayList<>();
  private final Llm llm = prompt -> {
    prompts.add(prompt);
    return "answer";
  };
  private final String prompt = "Hello";

  void readmeExample() throws Exception {
    try (LeaseholdClient client = LeaseholdClient.builder()
        .zookeeper("127.0.0.1:2181")                    // the fleet's ZooKeeper
        .build()) {
      QuotaLimiter openai = client.limiter("openai");   // its limit lives on the allocators
      String answer = openai.call(() -> llm.complete(prompt)); // waits for a permit
      if (openai.tryAcquire()) {                        // never waits, never does I/O
        llm.complete(prompt);
      }
    }
  }

  @Test
  void readmeExampleRuns() throws Exception {
    assumeTrue(portFree(2181), "skipped: port 2181 is in use; the README example still compiles");
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(2181);
        Allocator allocator = Allocator.builder().zookeeper(zk.connectString())
            .limit("openai", Limit.perMinute(60)).build()) {
      allocator.start();
      readmeExample();
    }
    assertThat(prompts).hasSizeBetween(1, 2);
  }

  private static boolean portFree(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort() == port;
    } catch (IOException e) {
      return false;
    }
  }
}

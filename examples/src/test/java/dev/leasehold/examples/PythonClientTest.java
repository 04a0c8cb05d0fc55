package dev.leasehold.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leasehold.allocator.Limit;
import dev.leasehold.allocator.ResourceConfig;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs examples/python/lease_client.py against a real allocator. Python's gRPC is optional on
 * build machines: without it the test is skipped, and says so.
 */
class PythonClientTest {
  private static final Path SCRIPT = Path.of("python", "lease_client.py");

  @Test
  @Timeout(60)
  void pythonClientLeasesSpendsAndReturns() throws Exception {
    String python = pythonWithGrpc();
    assumeTrue(python != null, "skipped: no python3 with the grpc module (Debian:"
        + " apt-get install python3-grpcio) on the PATH or at /usr/bin/python3");
    ResourceConfig api = ResourceConfig.builder("api").limit(Limit.perSecond(100))
        .maxLeasePermits(5).build();
    try (ExampleFleet fleet = ExampleFleet.startLocal("python", List.of(api))) {
      String endpoint = fleet.allocatorEndpoint();
      Run run = exec(python, SCRIPT.toString(), "--allocator", endpoint, "--resource", "api",
          "--permits", "5", "--client-id", "python-test");
      assertThat(run.exit).as("exit status; stderr: %s", run.stderr).isZero();
      assertThat(run.stdout).contains("\"leader\": \"" + endpoint + "\"", "\"permits\": 5",
          "\"used\": 5", "\"returned\": true");

      Run unknown = exec(python, SCRIPT.toString(), "--allocator", endpoint, "--resource",
          "nope");
      assertThat(unknown.exit).isEqualTo(1);
      assertThat(unknown.stderr).contains("NOT_FOUND");
    }
  }

  /** The first of python3 and /usr/bin/python3 that can import grpc, or null. */
  private static String pythonWithGrpc() throws InterruptedException {
    for (String python : List.of("python3", "/usr/bin/python3")) {
      try {
        if (exec(python, "-c", "import grpc, google.protobuf").exit == 0) {
          return python;
        }
      } catch (IOException e) {
        // Not installed there.
      }
    }
    return null;
  }

  private record Run(int exit, String stdout, String stderr) {}

  private static Run exec(String... command) throws IOException, InterruptedException {
    File out = File.createTempFile("python", ".out");
    File err = File.createTempFile("python", ".err");
    try {
      Process process = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("timed out: " + String.join(" ", command));
      }
      return new Run(process.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
          Files.readString(err.toPath(), StandardCharsets.UTF_8));
    } finally {
      out.delete();
      err.delete();
    }
  }
}

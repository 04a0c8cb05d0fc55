package dev.leasehold.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Short demo runs with real child JVMs. They check outcomes that do not depend on timing —
 * never a 429 with Leasehold, even across the leader's kill; 429s without it — and no figures.
 */
class DemoRunTest {

  @Test
  @Timeout(120)
  void leaseholdModeNeverExceedsTheLimit() throws Exception {
    Demo.Result result = run("--workers", "2", "--duration", "8s", "--limit", "50/1s");
    assertThat(result.rejected()).as("429s").isZero();
    assertThat(result.busiestWindow()).as("busiest window").isLessThanOrEqualTo(50);
    assertThat(result.admitted()).as("admitted").isPositive();
  }

  @Test
  @Timeout(60)
  void uncoordinatedModeOverrunsTheLimit() throws Exception {
    Demo.Result result = run("--mode", "uncoordinated", "--workers", "2", "--duration", "3s",
        "--limit", "50/1s");
    assertThat(result.rejected()).as("429s").isPositive();
    assertThat(result.busiestWindow()).as("busiest window").isGreaterThan(50);
  }

  private static Demo.Result run(String... args) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Demo.Result result;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      result = new Demo(DemoOptions.parse(args), out, false).run();
    } finally {
      // Into the surefire report, for whoever reads it.
      System.out.println(bytes.toString(StandardCharsets.UTF_8));
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("Summary (");
    return result;
  }
}

package dev.leasehold.allocator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM on the test classpath, for the tests that need real processes: ones that can be
 * killed with {@code SIGKILL} rather than closed. The JVM is kept small and quick to start, since
 * CI has two cores. Its stdout is read line by line so a test can wait for a handshake line; its
 * stderr goes to a file under {@code target/} for the post-mortem.
 *
 * <p>{@link #close()} kills the process forcibly and waits for it, so a test that closes every
 * child in {@code @AfterEach} leaves nothing behind even when it fails.
 */
final class ChildJvm implements AutoCloseable {
  private static final Path LOGS = Paths.get("target", "child-jvms");

  private final String name;
  private final Process process;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();

  private ChildJvm(String name, Process process) {
    this.name = name;
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException e) {
        // The process died; waiters time out and report what they saw.
      }
    }, name + "-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code mainClass} with {@code args} in a new JVM on this JVM's classpath. */
  static ChildJvm start(String name, Class<?> mainClass, String... args) throws IOException {
    Files.createDirectories(LOGS);
    List<String> command = new ArrayList<>(List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp", System.getProperty("java.class.path"),
        mainClass.getName()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command)
        .redirectError(LOGS.resolve(name + ".err").toFile())
        .start();
    return new ChildJvm(name, process);
  }

  /**
   * Waits for a stdout line starting with {@code prefix} and returns it.
   *
   * @throws IllegalStateException if the process exits or the timeout passes first
   */
  String awaitLine(String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? lines.poll(Math.min(left, 100_000_000), TimeUnit.NANOSECONDS) : null;
      if (line != null) {
        seen.add(line);
        if (line.startsWith(prefix)) {
          return line;
        }
      } else if (left <= 0 || (!process.isAlive() && lines.isEmpty())) {
        throw new IllegalStateException(name + " printed no '" + prefix + "' line within "
            + timeout.toMillis() + " ms (alive: " + process.isAlive() + ", stdout so far: " + seen
            + ", stderr in " + LOGS.resolve(name + ".err").toAbsolutePath() + ")");
      }
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String name() {
    return name;
  }

  /** Kills the process with {@code SIGKILL} (no shutdown hooks run) and waits until it is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL");
    }
  }

  /** Waits up to {@code timeout} for the process to exit by itself; returns its status or -1. */
  int awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  /** Closes every child, even if closing one fails. */
  static void closeAll(List<ChildJvm> children) throws InterruptedException {
    for (ChildJvm child : children) {
      try {
        child.close();
      } catch (RuntimeException e) {
        System.err.println("could not stop " + child.name() + ": " + e);
      }
    }
    children.clear();
  }
}

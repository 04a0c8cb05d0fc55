package dev.leasehold.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A JVM started from this process's own classpath (the demo jar, or the test classpath), talking
 * line by line: the parent writes commands to its stdin, reads its stdout, and its stderr goes
 * to a log file. Children exit when their stdin closes, so none outlives the parent.
 */
final class ChildProcess implements AutoCloseable {
  /** Small heaps and the quickest start: up to ten of these share two cores. */
  private static final List<String> JVM_OPTIONS = List.of(
      "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

  private final String name;
  private final Process process;
  private final Writer stdin;
  private final Path log;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.log = log;
  }

  /**
   * Starts {@code mainClass} with {@code args}; every line it prints goes to {@code onLine}, on
   * a reader thread of its own.
   */
  static ChildProcess start(String name, Class<?> mainClass, List<String> args, Path logDir,
      Consumer<String> onLine) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(args);
    Path log = logDir.resolve(name + ".log");
    Process process = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    ChildProcess child = new ChildProcess(name, process, log);
    Thread reader = new Thread(() -> child.read(onLine), name + "-stdout");
    reader.setDaemon(true);
    reader.start();
    return child;
  }

  private void read(Consumer<String> onLine) {
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        onLine.accept(line);
      }
    } catch (IOException e) {
      // The child died or was killed: its exit shows in isAlive() and its log.
    }
  }

  /** Sends one command line; ignored if the child is gone. */
  void send(String line) {
    try {
      stdin.write(line + "\n");
      stdin.flush();
    } catch (IOException e) {
      // The child is gone; the caller notices through isAlive().
    }
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL on Unix: no shutdown hook, no goodbye to ZooKeeper or the clients. */
  void kill() {
    process.destroyForcibly();
  }

  /** The last lines of the child's stderr, for error messages. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log at " + log + ")";
    }
  }

  Path log() {
    return log;
  }

  /** Waits up to {@code millis} for the child to exit, then kills it. */
  void stop(long millis) {
    try {
      stdin.close();
    } catch (IOException e) {
      // Already gone.
    }
    try {
      if (!process.waitFor(millis, TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop(0);
  }
}

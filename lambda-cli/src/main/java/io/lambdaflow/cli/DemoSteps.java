package io.lambdaflow.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * What the examples' demos share: numbered steps with their time, services stopped in reverse order
 * however the demo ends, and the folder a demo starts afresh in.
 */
public final class DemoSteps {
  private final PrintStream out;
  private final int steps;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private long stepStarted;

  public DemoSteps(PrintStream out, int steps) {
    this.out = out;
    this.steps = steps;
  }

  /** Prints {@code [n/steps] what...}. */
  public void step(int n, String what) {
    stepStarted = System.nanoTime();
    out.printf(Locale.ROOT, "[%d/%d] %s...%n", n, steps, what);
    out.flush();
  }

  /** Prints what the step did and how long it took. */
  public void done(String detail) {
    out.printf(Locale.ROOT, "      %s (%.1f s)%n", detail, (System.nanoTime() - stepStarted) / 1e9);
    out.flush();
  }

  /** Keeps {@code service} to stop with {@link #stop()}; returns it. */
  public <T extends AutoCloseable> T started(T service) {
    synchronized (started) {
      started.push(service);
    }
    return service;
  }

  /** Stops every service started, the last first; safe to call twice. */
  public void stop() {
    synchronized (started) {
      while (!started.isEmpty()) {
        try {
          started.pop().close();
        } catch (Exception e) {
          // stopping the rest anyway
        }
      }
    }
  }

  /** Deletes {@code folder} and everything in it, if it is there. */
  public static void deleteRecursively(Path folder) throws IOException {
    if (!Files.exists(folder)) {
      return;
    }
    try (var walk = Files.walk(folder)) {
      List<Path> paths = walk.sorted(Comparator.reverseOrder()).toList();
      for (Path path : paths) {
        Files.deleteIfExists(path);
      }
    }
  }

  /** {@code $LAMBDA_HOME} (set by bin/lambda), or the working directory. */
  public static Path home() {
    String home = System.getenv("LAMBDA_HOME");
    return Path.of(home == null || home.isBlank() ? "." : home);
  }
}

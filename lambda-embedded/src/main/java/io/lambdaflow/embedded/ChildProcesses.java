package io.lambdaflow.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the embedded servers that run as child processes share: start, readiness, stop, clean. */
final class ChildProcesses {
  private static final Logger LOG = LoggerFactory.getLogger(ChildProcesses.class);

  private ChildProcesses() {}

  /** The build's embedded.properties: where it put the servers' artifacts. */
  static Properties buildProperties() {
    Properties properties = new Properties();
    try (InputStream in = ChildProcesses.class.getResourceAsStream("embedded.properties")) {
      if (in == null) {
        throw new IllegalStateException("embedded.properties is not on the classpath");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties;
  }

  /**
   * Where a release archive ships a server's {@code file} ({@code $LAMBDA_HOME/services/FOLDER/}),
   * when the build's own path is not there (an installed distribution has no Maven repository).
   */
  static Path shipped(String folder, Path file) {
    String home = System.getenv("LAMBDA_HOME");
    return Path.of(home == null || home.isBlank() ? "." : home, "services", folder)
        .resolve(file.getFileName() == null ? Path.of("") : file.getFileName());
  }

  /** Fails when something listens on {@code port} of 127.0.0.1 already. */
  static void checkFree(int port) {
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.bind(new InetSocketAddress("127.0.0.1", port));
    } catch (IOException e) {
      throw new IllegalStateException("the port is taken (" + e.getMessage() + ")");
    }
  }

  /** Whether something accepts connections on {@code port} of 127.0.0.1. */
  static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  /**
   * Polls {@code ready} until it holds; fails if the process ends first (quoting its log) or after
   * {@code patience}.
   */
  static void await(Process process, Path log, Duration patience, BooleanSupplier ready)
      throws IOException {
    Instant deadline = Instant.now().plus(patience);
    while (Instant.now().isBefore(deadline)) {
      if (ready.getAsBoolean()) {
        return;
      }
      try {
        if (process.waitFor(100, TimeUnit.MILLISECONDS)) {
          String output = Files.exists(log) ? Files.readString(log).strip() : "";
          throw new IllegalStateException(
              "it exited with status "
                  + process.exitValue()
                  + ": "
                  + (output.length() > 2000 ? output.substring(output.length() - 2000) : output));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while it started");
      }
    }
    throw new IllegalStateException("it was not ready within " + patience.toSeconds() + " s");
  }

  /** Stops {@code process}: SIGTERM, then SIGKILL after 10 s. */
  static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** Deletes {@code folder} and everything in it. */
  static void delete(Path folder) {
    try (Stream<Path> paths = Files.walk(folder)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", folder, e.getMessage());
    }
  }

  /** {@code java} of the running JVM. */
  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}

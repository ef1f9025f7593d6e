package io.lambdaflow.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server (PostgreSQL 14's own binaries, unpacked from a Maven artifact) as a
 * child process on 127.0.0.1, its binaries and data in a temporary directory removed on {@link
 * #close()}. Connect as user {@code postgres} (no password, loopback only) to database {@code
 * postgres}, or to a database made with {@link #createDatabase}.
 */
public final class EmbeddedPostgres implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);

  private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;
  private final Path home;
  private boolean closed;

  private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres server, Path home) {
    this.server = server;
    this.home = home;
  }

  /** Starts a server on a free loopback port. */
  public static EmbeddedPostgres start() {
    return start(0);
  }

  /**
   * Starts a server on {@code port} (0 for a free one) of 127.0.0.1 and waits until it accepts
   * connections.
   *
   * @throws IllegalStateException if the port is taken or the server does not come up
   */
  public static EmbeddedPostgres start(int port) {
    Instant started = Instant.now();
    Path home;
    try {
      home = Files.createTempDirectory("lambda-postgres-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the embedded PostgreSQL's directory", e);
    }
    boolean up = false;
    try {
      io.zonky.test.db.postgres.embedded.EmbeddedPostgres server =
          io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
              .setPort(port == 0 ? Ports.free() : port)
              .setOverrideWorkingDirectory(home.resolve("binaries").toFile())
              .setDataDirectory(home.resolve("data"))
              .setCleanDataDirectory(true)
              .setRegisterShutdownHook(false)
              .setServerConfig("listen_addresses", "127.0.0.1")
              .setServerConfig("max_connections", "100")
              .setServerConfig("fsync", "on")
              .setPGStartupWait(Duration.ofSeconds(60))
              .start();
      LOG.info(
          "embedded PostgreSQL on 127.0.0.1:{} in {} ms",
          server.getPort(),
          Duration.between(started, Instant.now()).toMillis());
      up = true;
      return new EmbeddedPostgres(server, home);
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot start the embedded PostgreSQL"
              + (port == 0 ? "" : " on 127.0.0.1:" + port)
              + ": "
              + e.getMessage(),
          e);
    } finally {
      if (!up) {
        delete(home); // whatever failed, Errors included: nothing of the attempt stays
      }
    }
  }

  /** The server's port on 127.0.0.1. */
  public int port() {
    return server.getPort();
  }

  /** The JDBC URL of {@code database}, for user {@code postgres}. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database + "?user=postgres";
  }

  /** A connection to {@code database} as user {@code postgres}. */
  public Connection connect(String database) throws SQLException {
    return server.getDatabase("postgres", database).getConnection();
  }

  /** Creates a database (an empty one, from template0). */
  public void createDatabase(String database) {
    try (Connection connection = connect("postgres");
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE \"" + database.replace("\"", "\"\"") + "\"");
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot create database " + database + ": " + e.getMessage(), e);
    }
  }

  /** The folder of the server's binaries and data, removed on {@link #close()}. */
  public Path home() {
    return home;
  }

  /** Stops the server (a fast shutdown) and removes its binaries and data; safe to call twice. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    Optional<ProcessHandle> postmaster = postmaster();
    try {
      server.close();
    } catch (IOException e) {
      LOG.warn("embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
    }
    // pg_ctl returns once the server accepts no more connections; wait for its process to end.
    postmaster.ifPresent(
        process -> {
          try {
            process.onExit().get(30, TimeUnit.SECONDS);
          } catch (TimeoutException e) {
            LOG.warn(
                "embedded PostgreSQL (pid {}) still runs after 30 s; killing it", process.pid());
            process.destroyForcibly();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (ExecutionException e) {
            LOG.debug("waiting for PostgreSQL to end", e);
          }
        });
    delete(home);
  }

  /** The server's own process, from the first line of postmaster.pid in its data folder. */
  private Optional<ProcessHandle> postmaster() {
    try {
      List<String> lines = Files.readAllLines(home.resolve("data/postmaster.pid"));
      return lines.isEmpty()
          ? Optional.empty()
          : ProcessHandle.of(Long.parseLong(lines.get(0).strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static void delete(Path folder) {
    try (Stream<Path> paths = Files.walk(folder)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", folder, e.getMessage());
    }
  }
}

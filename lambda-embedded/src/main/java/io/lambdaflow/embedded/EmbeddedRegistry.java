package io.lambdaflow.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real schema registry on 127.0.0.1: Apicurio Registry (a child JVM from its Maven artifact,
 * schemas in memory) with its Confluent-compatible API at {@link #url()}. Clients that speak
 * Confluent's REST API and wire format (the Kafka source and sink with {@code schema-registry-url},
 * {@code lambda produce --format avro}) use it as they would Confluent's. {@link #close()} stops
 * it; its schemas go with it.
 */
public final class EmbeddedRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRegistry.class);

  private final Process process;
  private final Path home;
  private final int port;
  private boolean closed;

  private EmbeddedRegistry(Process process, Path home, int port) {
    this.process = process;
    this.home = home;
    this.port = port;
  }

  /**
   * Starts a registry on {@code port} (0: a free one) of 127.0.0.1 and waits until it answers.
   *
   * @throws IllegalStateException when its distribution is missing, the port is taken or it does
   *     not come up
   */
  public static EmbeddedRegistry start(int port) {
    Instant started = Instant.now();
    Path runner = runner();
    int chosen = port == 0 ? Ports.free() : port;
    Path home;
    try {
      home = Files.createTempDirectory("lambda-registry-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the embedded registry's folder", e);
    }
    Process process = null;
    try {
      ChildProcesses.checkFree(chosen);
      List<String> command =
          List.of(
              ChildProcesses.java(),
              "-Xmx384m",
              "-Dquarkus.http.host=127.0.0.1",
              "-Dquarkus.http.port=" + chosen,
              "-Dquarkus.log.level=WARN",
              "-Dquarkus.log.console.color=false",
              "-Dquarkus.banner.enabled=false",
              "-jar",
              runner.toString());
      Path log = home.resolve("registry.log");
      process =
          new ProcessBuilder(command)
              .directory(home.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      String url = "http://127.0.0.1:" + chosen + "/apis/ccompat/v7";
      ChildProcesses.await(process, log, Duration.ofSeconds(90), () -> answers(url));
      LOG.info(
          "embedded schema registry (Apicurio {}) at {} in {} ms",
          runner.getFileName().toString().replaceAll("apicurio-registry-app-|-runner.jar", ""),
          url,
          Duration.between(started, Instant.now()).toMillis());
      return new EmbeddedRegistry(process, home, chosen);
    } catch (IOException | RuntimeException e) {
      if (process != null) {
        ChildProcesses.stop(process);
      }
      ChildProcesses.delete(home);
      throw new IllegalStateException(
          "cannot start the embedded schema registry on 127.0.0.1:"
              + chosen
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** The registry's runner jar, where the build unpacked it (see embedded.properties). */
  static Path runner() {
    Path runner = Path.of(ChildProcesses.buildProperties().getProperty("apicurio.runner", ""));
    if (!Files.isRegularFile(runner)) {
      runner = ChildProcesses.shipped("apicurio", runner);
    }
    if (!Files.isRegularFile(runner)) {
      throw new IllegalStateException(
          "the schema registry is not at "
              + runner
              + "; build lambda-embedded with Maven (mvn -pl lambda-embedded package) to fetch it");
    }
    return runner;
  }

  private static boolean answers(String url) {
    try {
      HttpResponse<Void> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(url + "/subjects"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The Confluent-compatible API: {@code http://127.0.0.1:PORT/apis/ccompat/v7}. */
  public String url() {
    return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
  }

  public int port() {
    return port;
  }

  /** Stops the registry; safe to call twice. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ChildProcesses.stop(process);
    ChildProcesses.delete(home);
  }
}

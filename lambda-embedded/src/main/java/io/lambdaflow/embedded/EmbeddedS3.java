package io.lambdaflow.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real S3 API server (S3Proxy, a child JVM from its Maven artifact) on 127.0.0.1. It checks AWS
 * signatures (v2 and v4): clients need {@link #accessKey()} and {@link #secretKey()}. Spark reaches
 * it through Hadoop's S3A connector with {@link #hadoopOptions()}, S3A's defaults unchanged.
 *
 * <p>Objects live in the server's memory (jclouds' {@code transient} store): a flat key space as in
 * S3. Its {@code filesystem} store maps keys to folders, so deleting a directory marker whose
 * folder still holds files (the order S3A deletes a tree in) stalled each such request for 10 s and
 * failed S3A's bulk deletes; every Spark write to it took 30 s. {@link #close()} stops the server,
 * and its objects are gone with it.
 */
public final class EmbeddedS3 implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedS3.class);

  private final Process process;
  private final Path home;
  private final int port;
  private final String accessKey;
  private final String secretKey;
  private boolean closed;

  private EmbeddedS3(Process process, Path home, int port, String accessKey, String secretKey) {
    this.process = process;
    this.home = home;
    this.port = port;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  /**
   * Starts a server on {@code port} (0: a free one) of 127.0.0.1 with {@code buckets}, accepting
   * requests signed with {@code accessKey} and {@code secretKey}, and waits until it listens.
   *
   * @throws IllegalStateException when its jar is missing, the port is taken or it does not come up
   */
  public static EmbeddedS3 start(
      int port, List<String> buckets, String accessKey, String secretKey) {
    Instant started = Instant.now();
    Path jar = jar();
    int chosen = port == 0 ? Ports.free() : port;
    Path home;
    try {
      home = Files.createTempDirectory("lambda-s3-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the embedded S3 server's folder", e);
    }
    Process process = null;
    try {
      ChildProcesses.checkFree(chosen); // one already there would answer for this one
      Properties properties = new Properties();
      properties.setProperty("s3proxy.endpoint", "http://127.0.0.1:" + chosen);
      properties.setProperty("s3proxy.authorization", "aws-v2-or-v4");
      properties.setProperty("s3proxy.identity", accessKey);
      properties.setProperty("s3proxy.credential", secretKey);
      properties.setProperty("jclouds.provider", "transient");
      Path conf = home.resolve("s3proxy.conf");
      try (var out = Files.newBufferedWriter(conf, StandardCharsets.UTF_8)) {
        properties.store(out, "embedded S3 server");
      }
      List<String> command = new ArrayList<>();
      command.add(ChildProcesses.java());
      command.addAll(
          List.of(
              "-Xmx512m",
              "-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener",
              "-jar",
              jar.toString(),
              "--properties",
              conf.toString()));
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(home.resolve("s3proxy.log").toFile());
      builder.environment().put("LOG_LEVEL", "warn");
      builder.environment().put("JETTY_LOG_LEVEL", "warn");
      process = builder.start();
      ChildProcesses.await(
          process,
          home.resolve("s3proxy.log"),
          Duration.ofSeconds(60),
          () -> ChildProcesses.listening(chosen));
      LOG.info(
          "embedded S3 server (S3Proxy) on 127.0.0.1:{} in {} ms, buckets {}",
          chosen,
          Duration.between(started, Instant.now()).toMillis(),
          buckets);
      EmbeddedS3 server = new EmbeddedS3(process, home, chosen, accessKey, secretKey);
      buckets.forEach(server::createBucket);
      return server;
    } catch (IOException | RuntimeException e) {
      if (process != null) {
        ChildProcesses.stop(process);
      }
      ChildProcesses.delete(home);
      throw new IllegalStateException(
          "cannot start the embedded S3 server on 127.0.0.1:" + chosen + ": " + e.getMessage(), e);
    }
  }

  /** The server's jar, where the build put it (see embedded.properties). */
  static Path jar() {
    Properties properties = ChildProcesses.buildProperties();
    for (String key : List.of("s3proxy.jar", "s3proxy.copy")) {
      Path jar = Path.of(properties.getProperty(key, ""));
      if (Files.isRegularFile(jar)) {
        return jar;
      }
    }
    Path shipped =
        ChildProcesses.shipped("s3proxy", Path.of(properties.getProperty("s3proxy.copy")));
    if (Files.isRegularFile(shipped)) {
      return shipped;
    }
    throw new IllegalStateException(
        "the S3 server's jar is at neither "
            + properties.getProperty("s3proxy.jar")
            + " nor "
            + properties.getProperty("s3proxy.copy")
            + "; build lambda-embedded with Maven (mvn -pl lambda-embedded package) to fetch it");
  }

  /** {@code http://127.0.0.1:PORT}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** Hadoop options for S3A against this server (prefix each with spark.hadoop. for Spark). */
  public Map<String, String> hadoopOptions() {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("fs.s3a.endpoint", endpoint());
    options.put("fs.s3a.path.style.access", "true");
    options.put("fs.s3a.connection.ssl.enabled", "false");
    options.put("fs.s3a.access.key", accessKey);
    options.put("fs.s3a.secret.key", secretKey);
    options.put("fs.s3a.endpoint.region", "us-east-1");
    options.put("fs.s3a.buffer.dir", home.resolve("buffer").toString());
    return options;
  }

  /** Makes a bucket (an S3 {@code PUT /bucket}, signed); one that is there already is kept. */
  public void createBucket(String bucket) {
    HttpResponse<String> response;
    try {
      response =
          HttpClient.newHttpClient()
              .send(
                  S3Signing.putBucket(endpoint(), bucket, accessKey, secretKey),
                  HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create bucket " + bucket, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating bucket " + bucket, e);
    }
    if (response.statusCode() != 200 && !response.body().contains("BucketAlreadyOwnedByYou")) {
      throw new IllegalStateException(
          "cannot create bucket "
              + bucket
              + ": HTTP "
              + response.statusCode()
              + " "
              + response.body());
    }
  }

  /** The server's folder (its configuration and log). */
  Path home() {
    return home;
  }

  /** Stops the server (its objects go with it) and deletes its folder; safe to call twice. */
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

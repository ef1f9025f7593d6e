package io.lambdaflow.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real S3 API server (S3Proxy, a child JVM from its Maven artifact, objects in a temporary
 * folder) on 127.0.0.1. It checks AWS signatures (v2 and v4): clients need {@link #accessKey()} and
 * {@link #secretKey()}. Spark reaches it through Hadoop's S3A connector with {@link
 * #hadoopOptions()}. Buckets are folders; {@link #close()} stops it and deletes them.
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
      // A server already there would answer the readiness check for this one.
      try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
        probe.bind(new InetSocketAddress("127.0.0.1", chosen));
      } catch (IOException e) {
        throw new IllegalStateException("the port is taken (" + e.getMessage() + ")");
      }
      for (String bucket : buckets) {
        Files.createDirectories(home.resolve("data").resolve(bucket));
      }
      Properties properties = new Properties();
      properties.setProperty("s3proxy.endpoint", "http://127.0.0.1:" + chosen);
      properties.setProperty("s3proxy.authorization", "aws-v2-or-v4");
      properties.setProperty("s3proxy.identity", accessKey);
      properties.setProperty("s3proxy.credential", secretKey);
      properties.setProperty("jclouds.provider", "filesystem");
      properties.setProperty("jclouds.filesystem.basedir", home.resolve("data").toString());
      Path conf = home.resolve("s3proxy.conf");
      try (var out = Files.newBufferedWriter(conf, StandardCharsets.UTF_8)) {
        properties.store(out, "embedded S3 server");
      }
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(
          List.of(
              "-Xmx256m",
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
      awaitListening(process, chosen, home);
      LOG.info(
          "embedded S3 server (S3Proxy) on 127.0.0.1:{} in {} ms, buckets {}",
          chosen,
          Duration.between(started, Instant.now()).toMillis(),
          buckets);
      return new EmbeddedS3(process, home, chosen, accessKey, secretKey);
    } catch (IOException | RuntimeException e) {
      if (process != null) {
        stop(process);
      }
      delete(home);
      throw new IllegalStateException(
          "cannot start the embedded S3 server on 127.0.0.1:" + chosen + ": " + e.getMessage(), e);
    }
  }

  /** The server's jar, where the build put it (see embedded.properties). */
  static Path jar() {
    Properties properties = new Properties();
    try (InputStream in = EmbeddedS3.class.getResourceAsStream("embedded.properties")) {
      if (in == null) {
        throw new IllegalStateException("embedded.properties is not on the classpath");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (String key : List.of("s3proxy.jar", "s3proxy.copy")) {
      Path jar = Path.of(properties.getProperty(key, ""));
      if (Files.isRegularFile(jar)) {
        return jar;
      }
    }
    throw new IllegalStateException(
        "the S3 server's jar is at neither "
            + properties.getProperty("s3proxy.jar")
            + " nor "
            + properties.getProperty("s3proxy.copy")
            + "; build lambda-embedded with Maven (mvn -pl lambda-embedded package) to fetch it");
  }

  /** Polls the port until the server accepts connections; fails if its process ends first. */
  private static void awaitListening(Process process, int port, Path home) throws IOException {
    Instant deadline = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(deadline)) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        try {
          if (process.waitFor(100, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(
                "it exited with status "
                    + process.exitValue()
                    + ": "
                    + Files.readString(home.resolve("s3proxy.log")).strip());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while it started");
        }
      }
    }
    throw new IllegalStateException("it did not listen within 60 s");
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
    // S3Proxy's filesystem store does not answer S3A's bulk deletes of directory markers.
    options.put("fs.s3a.directory.marker.retention", "keep");
    options.put("fs.s3a.multiobjectdelete.enable", "false");
    options.put("fs.s3a.buffer.dir", home.resolve("buffer").toString());
    return options;
  }

  /** Makes a bucket (a folder of the server's store). */
  public void createBucket(String bucket) {
    try {
      Files.createDirectories(home.resolve("data").resolve(bucket));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create bucket " + bucket, e);
    }
  }

  /** The folder of a bucket's objects, to look at what was written. */
  public Path bucketFolder(String bucket) {
    return home.resolve("data").resolve(bucket);
  }

  /** Stops the server and deletes its objects; safe to call twice. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop(process);
    delete(home);
  }

  private static void stop(Process process) {
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

  private static void delete(Path folder) {
    try (Stream<Path> paths = Files.walk(folder)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", folder, e.getMessage());
    }
  }
}

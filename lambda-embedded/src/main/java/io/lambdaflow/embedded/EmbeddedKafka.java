package io.lambdaflow.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Features;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker in this JVM: KRaft mode with combined broker and controller roles (no
 * ZooKeeper), listening on loopback, its log in a temporary directory removed on {@link #close()}.
 * Topics are not created automatically; create them with {@link #createTopic}.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration DELETE_TIMEOUT = Duration.ofSeconds(10);

  private KafkaRaftServer server;
  private final KafkaConfig config;
  private final Path logDir;
  private final String bootstrapServers;
  private boolean paused;

  private EmbeddedKafka(
      KafkaRaftServer server, KafkaConfig config, Path logDir, String bootstrapServers) {
    this.server = server;
    this.config = config;
    this.logDir = logDir;
    this.bootstrapServers = bootstrapServers;
  }

  /** Starts a broker on a free loopback port. */
  public static EmbeddedKafka start() {
    return start(0);
  }

  /**
   * Starts a broker on {@code port} (0 for a free one) of 127.0.0.1 and waits until it answers.
   *
   * @throws IllegalStateException if the port is taken or the broker does not come up
   */
  public static EmbeddedKafka start(int port) {
    Instant started = Instant.now();
    Path logDir;
    try {
      logDir = Files.createTempDirectory("lambda-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the embedded broker's log directory", e);
    }
    int brokerPort = port == 0 ? Ports.free() : port;
    int controllerPort = Ports.free();
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    props.put(
        "listeners",
        "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("log.dirs", logDir.toString());
    props.put("auto.create.topics.enable", "false");
    props.put("num.partitions", "1");
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "1");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("log.retention.hours", "-1");
    KafkaConfig config = new KafkaConfig(props, false);

    ByteArrayOutputStream formatOutput = new ByteArrayOutputStream();
    try {
      new Formatter()
          .setPrintStream(new PrintStream(formatOutput, true, StandardCharsets.UTF_8))
          .setNodeId(1)
          .setClusterId(Uuid.randomUuid().toString())
          .addDirectory(logDir.toString())
          .setMetadataLogDirectory(logDir.toString())
          .setControllerListenerName("CONTROLLER")
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setSupportedFeatures(Features.PRODUCTION_FEATURES)
          .run();
    } catch (Exception e) {
      delete(logDir);
      throw new IllegalStateException(
          "cannot format the embedded broker's storage in "
              + logDir
              + ": "
              + e.getMessage()
              + " "
              + formatOutput.toString(StandardCharsets.UTF_8),
          e);
    }

    KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
    EmbeddedKafka kafka = new EmbeddedKafka(server, config, logDir, "127.0.0.1:" + brokerPort);
    try {
      server.startup();
      kafka.awaitReady();
    } catch (RuntimeException e) {
      kafka.close();
      throw new IllegalStateException(
          "the embedded Kafka broker on 127.0.0.1:"
              + brokerPort
              + " did not start: "
              + e.getMessage(),
          e);
    }
    LOG.info(
        "embedded Kafka broker (KRaft) up at {} in {} ms",
        kafka.bootstrapServers,
        Duration.between(started, Instant.now()).toMillis());
    return kafka;
  }

  /** {@code host:port} for clients' {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Creates a topic with one replica unless it exists. */
  public void createTopic(String topic, int partitions) {
    try (Admin admin = admin()) {
      admin
          .createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException(
            "cannot create topic '" + topic + "': " + e.getCause().getMessage(), e);
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot create topic '" + topic + "': " + e.getMessage(), e);
    }
  }

  /** The topics on the broker. */
  public Set<String> topics() {
    try (Admin admin = admin()) {
      return admin.listTopics().names().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot list topics: " + e.getMessage(), e);
    }
  }

  /** An admin client for this broker; close it. */
  public Admin admin() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return Admin.create(props);
  }

  private void awaitReady() {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    RuntimeException last = null;
    while (Instant.now().isBefore(deadline)) {
      try (Admin admin = admin()) {
        if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
          return;
        }
      } catch (Exception e) {
        last = new IllegalStateException(e.getMessage(), e);
      }
    }
    throw last != null
        ? last
        : new IllegalStateException("no broker answered within " + START_TIMEOUT);
  }

  /**
   * Stops the broker as an outage would, keeping its data, ports and topics; {@link #resume()}
   * brings it back. For tests of how clients survive a broker going away.
   */
  public synchronized void pause() {
    if (!paused) {
      server.shutdown();
      server.awaitShutdown();
      paused = true;
      LOG.info("embedded Kafka broker at {} paused", bootstrapServers);
    }
  }

  /** Starts a paused broker again on the same ports with the same data. */
  public synchronized void resume() {
    if (paused) {
      server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
      awaitReady();
      paused = false;
      LOG.info("embedded Kafka broker at {} resumed", bootstrapServers);
    }
  }

  /** Stops the broker and removes its log directory. */
  @Override
  public synchronized void close() {
    try {
      if (!paused) {
        server.shutdown();
        server.awaitShutdown();
      }
    } finally {
      delete(logDir);
    }
  }

  /**
   * Removes {@code dir}, walking it again while something is still in it: threads of the broker
   * that outlive {@code awaitShutdown} (checkpoints, the metadata log) may write or remove a file
   * while it is being walked, which made a single pass leave the directory behind now and then.
   */
  private static void delete(Path dir) {
    Instant deadline = Instant.now().plus(DELETE_TIMEOUT);
    String problem = null;
    while (Files.exists(dir)) {
      if (Instant.now().isAfter(deadline)) {
        LOG.warn("could not remove {} within {}: {}", dir, DELETE_TIMEOUT, problem);
        return;
      }
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | UncheckedIOException e) {
        problem = e.getMessage();
      }
      if (Files.exists(dir)) {
        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      }
    }
  }

  /** The broker's log directory, removed by {@link #close()}. */
  Path logDir() {
    return logDir;
  }
}

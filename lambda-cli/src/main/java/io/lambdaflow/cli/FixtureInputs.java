package io.lambdaflow.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.SourceNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The input fixtures of {@code lambda test}: for each source, {@code input/<source>.<any
 * extension>} or a folder {@code input/<source>/}. A {@code files} source reads it in place; a
 * {@code kafka} source reads its topic on an embedded broker, where each line of the fixture is one
 * record, without a key, in one partition, stamped one second apart from {@link #START} so that
 * event times and offsets are the same on every run.
 */
final class FixtureInputs implements AutoCloseable {
  /** The Kafka timestamp of a fixture's first record; the n-th (from 0) is n seconds later. */
  static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private EmbeddedKafka broker;

  /** A fixture that cannot be read or fed; its message says which and why. */
  static final class FixtureException extends Exception {
    FixtureException(String message) {
      super(message);
    }
  }

  /**
   * Feeds every source of {@code pipeline} from the fixtures in {@code input}; returns the
   * overrides that point the sources at them.
   */
  Map<String, String> feed(Pipeline pipeline, Path input) throws FixtureException, IOException {
    Config sources = ConfigFactory.parseString(pipeline.effectiveConfig()).getConfig("sources");
    Map<String, String> overrides = new LinkedHashMap<>();
    for (SourceNode source : pipeline.sources()) {
      Path fixture = fixture(input, source.name());
      String key = "sources." + source.name() + ".";
      switch (source.type()) {
        case "files" -> overrides.put(key + "path", fixture.toAbsolutePath().toString());
        case "kafka" -> {
          Config options = sources.getConfig(source.name());
          if (!options.hasPath("topic")) {
            throw new FixtureException(
                "source '" + source.name() + "' reads several topics; lambda test feeds one topic");
          }
          if (options.hasPath("value-format")
              && options.getString("value-format").matches("avro|binary")) {
            throw new FixtureException(
                "source '"
                    + source.name()
                    + "' reads "
                    + options.getString("value-format")
                    + " values; lambda test feeds text lines (string, json or csv)");
          }
          produce(options.getString("topic"), lines(fixture));
          overrides.put(key + "bootstrap-servers", broker.bootstrapServers());
          overrides.put(key + "starting-offsets", "earliest");
          overrides.put(key + "ending-offsets", "latest");
        }
        default ->
            throw new FixtureException(
                "source '"
                    + source.name()
                    + "' has type '"
                    + source.type()
                    + "'; lambda test feeds files and kafka sources from fixtures");
      }
    }
    return overrides;
  }

  /** The fixture of a source: a folder of its name, or the one file of its name and any suffix. */
  private static Path fixture(Path input, String source) throws FixtureException, IOException {
    Path folder = input.resolve(source);
    if (Files.isDirectory(folder)) {
      return folder;
    }
    List<Path> files;
    try (Stream<Path> listed = Files.list(input)) {
      files =
          listed.filter(p -> p.getFileName().toString().startsWith(source + ".")).sorted().toList();
    }
    if (files.size() != 1) {
      throw new FixtureException(
          (files.isEmpty() ? "no fixture for source '" : "several fixtures for source '")
              + source
              + "': expected one file "
              + input.resolve(source + ".<extension>")
              + " or a folder "
              + folder
              + (files.isEmpty() ? "" : ", found " + files));
    }
    return files.get(0);
  }

  /** The lines of a fixture file, or of every file of a fixture folder in name order. */
  private static List<String> lines(Path fixture) throws IOException {
    if (!Files.isDirectory(fixture)) {
      return Files.readAllLines(fixture, StandardCharsets.UTF_8);
    }
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(fixture)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        lines.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
      }
    }
    return lines;
  }

  private void produce(String topic, List<String> lines) throws IOException {
    if (broker == null) {
      broker = EmbeddedKafka.start();
    }
    broker.createTopic(topic, 1);
    Properties config = new Properties();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        long timestamp = START.plusSeconds(i).toEpochMilli();
        byte[] value = lines.get(i).getBytes(StandardCharsets.UTF_8);
        sent.add(producer.send(new ProducerRecord<>(topic, 0, timestamp, null, value)));
      }
      for (Future<RecordMetadata> record : sent) {
        record.get(); // a record Kafka refused fails the test run
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while producing the fixture of topic " + topic, e);
    } catch (ExecutionException e) {
      throw new IOException("cannot produce the fixture of topic " + topic, e.getCause());
    }
  }

  @Override
  public void close() {
    if (broker != null) {
      broker.close();
    }
  }
}

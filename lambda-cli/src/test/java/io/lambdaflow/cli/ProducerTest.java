package io.lambdaflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.embedded.EmbeddedRegistry;
import io.lambdaflow.records.SchemaRegistry;
import io.lambdaflow.testkit.TestServices;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code lambda produce} with a GTFS file as CSV, JSON and Avro through a real registry. */
@ExtendWith(TestServices.class)
class ProducerTest {
  private static final String STOP_TIMES =
      "\uFEFFtrip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
          + "t1,08:00:00,08:00:30,s1,1\n"
          + "t1,\"08:05:00\",08:05:30,s2,2\n"
          + "t2,25:10:00,25:10:00,s1,1\n";
  private static final String SCHEMA =
      "{\"type\":\"record\",\"name\":\"StopTime\",\"fields\":["
          + "{\"name\":\"trip_id\",\"type\":\"string\"},"
          + "{\"name\":\"stop_id\",\"type\":\"string\"},"
          + "{\"name\":\"stop_sequence\",\"type\":\"int\"},"
          + "{\"name\":\"arrival_time\",\"type\":[\"null\",\"string\"],\"default\":null}]}";

  private static EmbeddedKafka kafka;
  private static EmbeddedRegistry registry;

  @TempDir Path dir;

  @BeforeAll
  static void start(EmbeddedKafka broker) {
    kafka = broker;
    registry = EmbeddedRegistry.start(0);
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  private String produce(int expectedStatus, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of("produce", "--bootstrap", kafka.bootstrapServers()));
    all.addAll(List.of(args));
    int status =
        new Launcher(
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8))
            .run(all.toArray(String[]::new));
    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(expectedStatus);
    return err.toString(StandardCharsets.UTF_8);
  }

  private static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int count) {
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers",
                kafka.bootstrapServers(),
                "group.id",
                "check-" + topic,
                "auto.offset.reset",
                "earliest"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= count;
              });
      return records;
    }
  }

  private static List<String> text(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
  }

  @Test
  void aGtfsFileAsCsvAndAsJsonKeyedByTrip() throws Exception {
    Path file = Files.writeString(dir.resolve("stop_times.txt"), STOP_TIMES);
    assertThat(produce(0, "--topic", "st_csv", "--file", file.toString(), "--format", "csv"))
        .contains(
            "produced 3 record(s) to topic 'st_csv' at " + kafka.bootstrapServers() + " as csv");
    assertThat(text(consume("st_csv", 3)))
        .containsExactly(
            "t1,08:00:00,08:00:30,s1,1",
            "t1,\"08:05:00\",08:05:30,s2,2",
            "t2,25:10:00,25:10:00,s1,1");

    produce(
        0,
        "--topic",
        "st_cols",
        "--file",
        file.toString(),
        "--format",
        "csv",
        "--columns",
        "stop_id,trip_id,stop_sequence");
    assertThat(text(consume("st_cols", 3))).containsExactly("s1,t1,1", "s2,t1,2", "s1,t2,1");

    produce(
        0,
        "--topic",
        "st_json",
        "--file",
        file.toString(),
        "--format",
        "json",
        "--key",
        "trip_id",
        "--rate",
        "100");
    List<ConsumerRecord<byte[], byte[]>> json = consume("st_json", 3);
    assertThat(text(json).get(1))
        .isEqualTo(
            "{\"trip_id\":\"t1\",\"arrival_time\":\"08:05:00\",\"departure_time\":\"08:05:30\","
                + "\"stop_id\":\"s2\",\"stop_sequence\":\"2\"}");
    assertThat(new String(json.get(2).key(), StandardCharsets.UTF_8)).isEqualTo("t2");
  }

  @Test
  void avroInTheWireFormatThroughTheRegistry() throws Exception {
    Path file = Files.writeString(dir.resolve("stop_times.txt"), STOP_TIMES);
    Path schema = Files.writeString(dir.resolve("stop_time.avsc"), SCHEMA);
    String said =
        produce(
            0,
            "--topic",
            "st_avro",
            "--file",
            file.toString(),
            "--format",
            "avro",
            "--avro-schema",
            schema.toString(),
            "--schema-registry",
            registry.url());
    assertThat(said).contains("under subject 'st_avro-value'").contains("as avro");
    SchemaRegistry client = new SchemaRegistry(registry.url(), null, null);
    List<String> decoded = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : consume("st_avro", 3)) {
      ByteBuffer value = ByteBuffer.wrap(record.value());
      assertThat(value.get()).isZero();
      Schema writer = client.schema(value.getInt());
      GenericRecord read =
          new GenericDatumReader<GenericRecord>(writer)
              .read(
                  null,
                  DecoderFactory.get()
                      .binaryDecoder(record.value(), 5, record.value().length - 5, null));
      decoded.add(read.toString());
    }
    assertThat(decoded.get(2))
        .isEqualTo(
            "{\"trip_id\": \"t2\", \"stop_id\": \"s1\", \"stop_sequence\": 1, \"arrival_time\":"
                + " \"25:10:00\"}");

    Path bad =
        Files.writeString(dir.resolve("bad.txt"), "trip_id,stop_id,stop_sequence\nt1,s1,x\n");
    assertThat(
            produce(
                1,
                "--topic",
                "st_bad",
                "--file",
                bad.toString(),
                "--format",
                "avro",
                "--avro-schema",
                schema.toString()))
        .contains("lambda produce: line 2: 'x' is not a int for 'stop_sequence'");
  }
}

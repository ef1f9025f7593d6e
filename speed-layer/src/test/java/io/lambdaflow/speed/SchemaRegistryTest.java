package io.lambdaflow.speed;

import static io.lambdaflow.testkit.TestPipelines.loader;
import static io.lambdaflow.testkit.TestPipelines.quoted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.embedded.EmbeddedRegistry;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.records.SchemaRegistry;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.testkit.TestServices;
import io.lambdaflow.testkit.TestSpark;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Avro through a real schema registry (Apicurio's Confluent-compatible API): the wire format read
 * with a declared reader schema while writers move to a compatible schema mid-stream; records that
 * are not in the wire format, truncated, or name an unknown schema id are dead letters with their
 * reasons; the Kafka sink registers its schema and writes the wire format, and stops with the
 * registry's reason when its schema is refused.
 */
@ExtendWith(TestServices.class)
class SchemaRegistryTest {
  private static final Schema V1 =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"StopTime\",\"fields\":["
                  + "{\"name\":\"trip_id\",\"type\":\"string\"},"
                  + "{\"name\":\"stop_sequence\",\"type\":\"int\"}]}");
  private static final Schema V2 =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"StopTime\",\"fields\":["
                  + "{\"name\":\"trip_id\",\"type\":\"string\"},"
                  + "{\"name\":\"stop_sequence\",\"type\":\"int\"},"
                  + "{\"name\":\"arrival_time\",\"type\":\"string\",\"default\":\"\"}]}");

  private static EmbeddedKafka kafka;
  private static EmbeddedRegistry registry;

  @TempDir Path dir;

  @BeforeAll
  static void start(EmbeddedKafka broker) {
    kafka = broker;
    registry = EmbeddedRegistry.start(0);
    TestSpark.session();
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  private static byte[] avro(Schema schema, Object... values) throws Exception {
    GenericRecord record = new GenericData.Record(schema);
    for (int i = 0; i < values.length; i++) {
      record.put(i, values[i]);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static byte[] framed(int id, byte[] avro) {
    return ByteBuffer.allocate(5 + avro.length).put((byte) 0).putInt(id).put(avro).array();
  }

  private static void send(String topic, List<byte[]> values) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", kafka.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (byte[] value : values) {
        producer.send(new ProducerRecord<>(topic, value)).get();
      }
    }
  }

  private String hocon(String topic, String sinks) {
    return "name = registry\nlayers = [speed]\nstorage-root = "
        + quoted(dir.resolve("root"))
        + "\nspeed.trigger = \"300 milliseconds\"\n"
        + "sources { stops { type = kafka, bootstrap-servers = \""
        + kafka.bootstrapServers()
        + "\", topic = "
        + topic
        + ", value-format = avro, avro-schema = \""
        + V1.toString().replace("\"", "\\\"")
        + "\", schema-registry-url = \""
        + registry.url()
        + "\", columns = [offset] } }\n"
        + sinks;
  }

  private Pipeline pipeline(String hocon) throws Exception {
    return loader().parse(hocon, "registry.conf", Map.of(), Set.of(ExecutionMode.STREAMING));
  }

  /** The JSON rows written, as offset, stop_sequence, trip_id. */
  private List<String> lines(Path folder) throws Exception {
    if (!Files.exists(folder)) {
      return List.of();
    }
    return TestSpark.session()
        .read()
        .json(folder.toString())
        .orderBy("offset")
        .collectAsList()
        .stream()
        .map(Row::toString)
        .toList();
  }

  @Test
  void wireFormatRecordsLandAcrossACompatibleSchemaChangeAndTheRestAreDeadLetters()
      throws Exception {
    kafka.createTopic("stops_avro", 1);
    SchemaRegistry client = new SchemaRegistry(registry.url(), null, null);
    int v1 = client.register("stops_avro-value", V1);
    HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(registry.url() + "/config/stops_avro-value"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"BACKWARD\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    byte[] good = framed(v1, avro(V1, "t1", 1));
    send(
        "stops_avro",
        List.of(
            good,
            framed(v1, avro(V1, "t1", 2)),
            avro(V1, "t1", 3), // plain Avro, no header
            Arrays.copyOf(good, good.length - 1), // truncated
            framed(9999, avro(V1, "t1", 4)))); // an id the registry does not know
    Path out = dir.resolve("out");
    Pipeline pipeline =
        pipeline(
            hocon(
                "stops_avro",
                "sinks { out { type = files, format = json, path = " + quoted(out) + " } }\n"));
    try (RunningPipeline speed = new SpeedLayer(TestSpark.session()).start(pipeline)) {
      await()
          .atMost(Duration.ofMinutes(2))
          .ignoreExceptions() // no file written yet
          .until(() -> lines(out).equals(List.of("[0,1,t1]", "[1,2,t1]")));

      // A writer moves to v2 (a field added with a default): registered as compatible, read as v1.
      int v2 = client.register("stops_avro-value", V2);
      assertThat(v2).isNotEqualTo(v1);
      send("stops_avro", List.of(framed(v2, avro(V2, "t2", 1, "08:00:00"))));
      await()
          .atMost(Duration.ofMinutes(2))
          .ignoreExceptions() // no file written yet
          .until(() -> lines(out).equals(List.of("[0,1,t1]", "[1,2,t1]", "[5,1,t2]")));
      assertThat(speed.queries()).allMatch(q -> q.isActive());
    }
    assertThat(
            TestSpark.session()
                .read()
                .json(dir.resolve("root/dead-letters").toString())
                .orderBy("position")
                .collectAsList()
                .stream()
                .map(r -> r.<String>getAs("position") + " " + r.<String>getAs("reason"))
                .toList())
        .containsExactly(
            "stops_avro/0@2 not in the Confluent wire format: the first byte is 0x04, not the"
                + " magic byte 0",
            "stops_avro/0@3 truncated Avro record: the value ends inside it (3 bytes) (writer"
                + " schema id "
                + v1
                + ")",
            "stops_avro/0@4 schema id 9999 is unknown to the schema registry at " + registry.url());
  }

  @Test
  void theKafkaSinkRegistersItsSchemaAndWritesTheWireFormat() throws Exception {
    kafka.createTopic("stops_in", 1);
    kafka.createTopic("stops_out", 1);
    SchemaRegistry client = new SchemaRegistry(registry.url(), null, null);
    int v1 = client.register("stops_in-value", V1);
    send("stops_in", List.of(framed(v1, avro(V1, "t9", 7))));
    String sink =
        "sinks { out { type = kafka, bootstrap-servers = \""
            + kafka.bootstrapServers()
            + "\", topic = stops_out, value-format = avro, schema-registry-url = \""
            + registry.url()
            + "\" } }\nspeed.trigger = available-now\n";
    try (RunningPipeline speed =
        new SpeedLayer(TestSpark.session()).start(pipeline(hocon("stops_in", sink)))) {
      speed.awaitTermination();
    }
    Schema registered = client.latest("stops_out-value");
    assertThat(registered.getFields())
        .extracting(Schema.Field::name)
        .containsExactly("offset", "trip_id", "stop_sequence");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers",
                kafka.bootstrapServers(),
                "group.id",
                "check",
                "auto.offset.reset",
                "earliest"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(List.of("stops_out"));
      List<ConsumerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return !records.isEmpty();
              });
      ByteBuffer value = ByteBuffer.wrap(records.get(0).value());
      assertThat(value.get()).isZero();
      assertThat(client.schema(value.getInt()).toString()).isEqualTo(registered.toString());
    }

    // The subject demands compatibility and the sink's schema is not: the sink does not start.
    client.register(
        "stops_bad-value",
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"stops_bad\",\"fields\":["
                    + "{\"name\":\"trip_id\",\"type\":\"int\"}]}"));
    HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(registry.url() + "/config/stops_bad-value"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"BACKWARD\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    kafka.createTopic("stops_bad", 1);
    Pipeline refused =
        pipeline(hocon("stops_in", sink.replace("topic = stops_out", "topic = stops_bad")));
    assertThatThrownBy(() -> new SpeedLayer(TestSpark.session()).start(refused))
        .isInstanceOf(PipelineRunException.class)
        .hasMessageStartingWith(
            "sink 'out' (type kafka) cannot start: the schema registry refused the schema for"
                + " subject 'stops_bad-value': the schema registry at "
                + registry.url()
                + " answered 409");
  }
}

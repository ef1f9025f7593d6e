package io.lambdaflow.speed;

import static io.lambdaflow.testkit.TestPipelines.batch;
import static io.lambdaflow.testkit.TestPipelines.loader;
import static io.lambdaflow.testkit.TestPipelines.quoted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.layer.Layer;
import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.pipeline.ExpectationCounts;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.testkit.ScrapedMetrics;
import io.lambdaflow.testkit.TestKafka;
import io.lambdaflow.testkit.TestServices;
import io.lambdaflow.testkit.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Row;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Kafka sources and sinks in both layers, against a real KRaft broker. */
@ExtendWith(TestServices.class)
class KafkaPipelinesTest {
  private static EmbeddedKafka kafka;

  @TempDir Path dir;

  @BeforeAll
  static void broker(EmbeddedKafka broker) {
    kafka = broker;
    TestSpark.session();
  }

  static void produce(String topic, List<String> values) {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", kafka.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      for (int i = 0; i < values.size(); i++) {
        producer.send(new ProducerRecord<>(topic, "k" + (i % 5), values.get(i)));
      }
      producer.flush();
    }
  }

  static List<String> events(int from, int count) {
    List<String> events = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      events.add(
          i % 10 == 3
              ? "{\"event_type\": broken " + i
              : "{\"event_type\":\""
                  + (i % 2 == 0 ? "purchase_sword" : "default")
                  + "\",\"Host\":\"user"
                  + (i % 3)
                  + ".comcast.com\",\"n\":"
                  + i
                  + "}");
    }
    return events;
  }

  private String pipeline(String topic, String out, String extra) {
    return pipeline(topic, out, extra, "root");
  }

  private String pipeline(String topic, String out, String extra, String root) {
    return "name = kafka_events\n"
        + "storage-root = "
        + quoted(dir.resolve(root))
        + "\n"
        + "sources { events { type = kafka, bootstrap-servers = \""
        + kafka.bootstrapServers()
        + "\", topic = "
        + topic
        + ", value-format = json, schema = \"event_type STRING, Host STRING, n INT\","
        + " required = [event_type], columns = [key, partition, offset] "
        + extra
        + " } }\n"
        + "transforms = [ { type = filter, condition = \"event_type = 'purchase_sword'\" } ]\n"
        + "sinks { out { type = files, format = json, path = "
        + quoted(dir.resolve(out))
        + " } }\n"
        + "speed.trigger = available-now\n";
  }

  private List<String> rows(String out) {
    return TestSpark.session()
        .read()
        .json(dir.resolve(out).toString())
        .selectExpr("key", "Host", "n", "partition", "offset")
        .orderBy("n")
        .collectAsList()
        .stream()
        .map(Row::toString)
        .toList();
  }

  @Test
  void batchAndSpeedGiveIdenticalRowsAndDeadLetters() throws Exception {
    kafka.createTopic("same", 2);
    produce("same", events(0, 200));

    RunSummary summary =
        new BatchLayer(TestSpark.session()).run(batch(pipeline("same", "batch-out", "")));
    assertThat(summary.recordsIn()).isEqualTo(Map.of("events", 200L));
    assertThat(summary.deadLetters()).isEqualTo(20);
    assertThat(summary.recordsOut()).isEqualTo(Map.of("out", 100L));

    Pipeline speed =
        loader()
            .parse(
                pipeline("same", "speed-out", "", "speed-root"),
                "speed.conf",
                Map.of(),
                Set.of(ExecutionMode.STREAMING));
    try (RunningPipeline running = new SpeedLayer(TestSpark.session()).start(speed)) {
      running.awaitTermination();
    }
    List<String> batchRows = rows("batch-out");
    assertThat(batchRows).hasSize(100);
    assertThat(rows("speed-out")).isEqualTo(batchRows);
    long speedDeadLetters =
        TestSpark.session()
            .read()
            .json(dir.resolve("speed-root/dead-letters").toString())
            .filter("reason LIKE 'malformed JSON: %' AND position LIKE 'same/%@%'")
            .count();
    assertThat(speedDeadLetters).isEqualTo(20);
  }

  @Test
  void lastRunReadsOnlyWhatIsNew() {
    kafka.createTopic("incremental", 1);
    produce("incremental", events(0, 30));
    String text = pipeline("incremental", "inc-out", ", starting-offsets = last-run");
    RunSummary first = new BatchLayer(TestSpark.session()).run(batch(text));
    produce("incremental", events(30, 20));
    RunSummary second = new BatchLayer(TestSpark.session()).run(batch(text));
    RunSummary third = new BatchLayer(TestSpark.session()).run(batch(text));

    assertThat(first.recordsIn()).isEqualTo(Map.of("events", 30L));
    assertThat(second.recordsIn()).isEqualTo(Map.of("events", 20L));
    assertThat(third.recordsIn()).isEqualTo(Map.of("events", 0L));
    assertThat(rows("inc-out")).hasSize(25).doesNotHaveDuplicates();
  }

  @Test
  void aMissingTopicIsNamed() {
    Pipeline pipeline = batch(pipeline("nope", "x", ""));
    assertThatThrownBy(() -> new BatchLayer(TestSpark.session()).run(pipeline))
        .isInstanceOf(PipelineRunException.class)
        .hasMessageStartingWith(
            "source 'events' (type kafka) cannot be read: topic 'nope' does not exist on "
                + kafka.bootstrapServers()
                + "; create it or check the name (topics there: [");
  }

  @Test
  void anUnreachableBrokerIsAClearErrorNotAHang() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Pipeline pipeline =
        batch(
            pipeline("events", "x", ", connect-timeout = 2s")
                .replace(kafka.bootstrapServers(), "127.0.0.1:" + port));
    assertThatThrownBy(() -> new BatchLayer(TestSpark.session()).run(pipeline))
        .isInstanceOf(PipelineRunException.class)
        .hasMessage(
            "source 'events' (type kafka) cannot be read: cannot reach Kafka at 127.0.0.1:"
                + port
                + " within 2 s; is the broker running and the address right? (connect-timeout sets the wait)");
  }

  @Test
  void avroValuesDecodeAndGarbageBecomesADeadLetter() throws Exception {
    kafka.createTopic("avro-in", 1);
    kafka.createTopic("avro", 1);
    produce(
        "avro-in",
        List.of(
            "{\"trip_id\":\"t1\",\"stop_sequence\":1}",
            "{\"trip_id\":\"t2\",\"stop_sequence\":2}"));
    String avroSchema =
        "{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"StopTime\\\",\\\"fields\\\":["
            + "{\\\"name\\\":\\\"trip_id\\\",\\\"type\\\":\\\"string\\\"},"
            + "{\\\"name\\\":\\\"stop_sequence\\\",\\\"type\\\":\\\"int\\\"}]}";
    // Write Avro with the Kafka sink...
    new BatchLayer(TestSpark.session())
        .run(
            batch(
                "layers = [batch]\nstorage-root = "
                    + quoted(dir.resolve("w"))
                    + "\n"
                    + "sources { in { type = kafka, bootstrap-servers = \""
                    + kafka.bootstrapServers()
                    + "\", topic = avro-in,"
                    + " value-format = json, schema = \"trip_id STRING, stop_sequence INT\", columns = [] } }\n"
                    + "sinks { out { type = kafka, bootstrap-servers = \""
                    + kafka.bootstrapServers()
                    + "\", topic = avro,"
                    + " value-format = avro, avro-schema = \""
                    + avroSchema
                    + "\", key = trip_id } }\n"));
    // ...plus one record that is not Avro.
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", kafka.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>("avro", new byte[] {(byte) 0xff, 0x01, 0x02})).get();
    }

    RunSummary summary =
        new BatchLayer(TestSpark.session())
            .run(
                batch(
                    "layers = [batch]\nstorage-root = "
                        + quoted(dir.resolve("r"))
                        + "\n"
                        + "sources { stops { type = kafka, bootstrap-servers = \""
                        + kafka.bootstrapServers()
                        + "\", topic = avro,"
                        + " value-format = avro, avro-schema = \""
                        + avroSchema
                        + "\", columns = [key] } }\n"
                        + "sinks { out { type = files, format = json, path = "
                        + quoted(dir.resolve("avro-out"))
                        + " } }\n"));

    assertThat(summary.recordsIn()).isEqualTo(Map.of("stops", 3L));
    assertThat(summary.deadLetters()).isEqualTo(1);
    assertThat(
            TestSpark.session()
                .read()
                .json(dir.resolve("avro-out").toString())
                .orderBy("key")
                .collectAsList())
        .extracting(Row::toString)
        .containsExactly("[t1,1,t1]", "[t2,2,t2]");
    Row letter = TestSpark.session().read().json(dir.resolve("r/dead-letters").toString()).first();
    assertThat(letter.<String>getAs("reason"))
        .isEqualTo(
            "not an Avro record of the schema StopTime: Malformed data. Length is negative: -128");
    assertThat(letter.<String>getAs("raw")).isEqualTo("/wEC");
    assertThat(letter.<String>getAs("position")).isEqualTo("avro/0@2");
  }

  @Test
  void kafkaSinkWritesJsonWithKeys() {
    kafka.createTopic("purchases", 1);
    kafka.createTopic("raw-events", 1);
    produce("raw-events", events(0, 10));
    new BatchLayer(TestSpark.session())
        .run(
            batch(
                "layers = [batch]\nstorage-root = "
                    + quoted(dir.resolve("s"))
                    + "\n"
                    + "sources { events { type = kafka, bootstrap-servers = \""
                    + kafka.bootstrapServers()
                    + "\", topic = raw-events,"
                    + " value-format = json, schema = \"event_type STRING, Host STRING, n INT\", columns = [] } }\n"
                    + "transforms = [ { type = filter, condition = \"event_type = 'purchase_sword'\" } ]\n"
                    + "sinks { out { type = kafka, bootstrap-servers = \""
                    + kafka.bootstrapServers()
                    + "\", topic = purchases,"
                    + " key = Host } }\n"));

    List<String> records;
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers",
                kafka.bootstrapServers(),
                "group.id",
                "check",
                "auto.offset.reset",
                "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of("purchases"));
      records = TestKafka.poll(consumer, 5, r -> r.key() + " " + r.value());
    }
    assertThat(records)
        .contains(
            "user0.comcast.com {\"event_type\":\"purchase_sword\",\"Host\":\"user0.comcast.com\",\"n\":0}")
        .hasSize(5);
  }

  /** A warn, a drop and a quarantine expectation on the events of {@link #events}. */
  private String expecting(String topic, String out, String root, String expectations) {
    return pipeline(topic, out, "", root)
        .replace(
            "transforms = [ { type = filter, condition = \"event_type = 'purchase_sword'\" } ]",
            "transforms = [ { type = filter, condition = \"n >= 0\", expect = "
                + expectations
                + " } ]");
  }

  private static final String EXPECTATIONS =
      "[ { name = not_user0, condition = \"Host <> 'user0.comcast.com'\", on-failure = warn },"
          + " { name = not_fifth, condition = \"n % 5 <> 0\", on-failure = drop },"
          + " { name = purchases_only, condition = \"event_type = 'purchase_sword'\","
          + " on-failure = quarantine } ]";

  private long quarantinedIn(String root) {
    return TestSpark.session()
        .read()
        .json(dir.resolve(root + "/dead-letters").toString())
        .where("reason = \"expectation 'purchases_only' failed: event_type = 'purchase_sword'\"")
        .where("stage = 'filter_1' AND position LIKE 'expected/%@%'")
        .count();
  }

  @Test
  void expectationsGiveTheSameRowsDeadLettersAndCountsInBothLayers() throws Exception {
    kafka.createTopic("expected", 2);
    produce("expected", events(0, 200));
    // 180 parse (the 20 broken ones are odd): 80 are not purchases (quarantined); of the 100
    // purchases, 20 have n % 10 == 0 (dropped), 80 are kept. Of the 180, 40 have n % 5 == 0 and
    // 60 come from user0 (warned, kept).
    RunSummary summary =
        new BatchLayer(TestSpark.session())
            .run(batch(expecting("expected", "batch-out", "root", EXPECTATIONS)));
    List<String> counts =
        List.of(
            "filter_1.not_user0 (warn): 60",
            "filter_1.not_fifth (drop): 40",
            "filter_1.purchases_only (quarantine): 80");
    assertThat(summary.expectations())
        .extracting(ExpectationCounts.Count::render)
        .containsExactlyElementsOf(counts);
    assertThat(summary.recordsOut()).isEqualTo(Map.of("out", 80L));
    assertThat(summary.dropped()).isEqualTo(20);
    assertThat(summary.deadLetters()).isEqualTo(20 + 80);
    assertThat(quarantinedIn("root")).isEqualTo(80);

    Pipeline speed =
        loader()
            .parse(
                expecting("expected", "speed-out", "speed-root", EXPECTATIONS),
                "speed.conf",
                Map.of(),
                Set.of(ExecutionMode.STREAMING));
    try (RunningPipeline running = new SpeedLayer(TestSpark.session()).start(speed)) {
      running.awaitTermination();
      ExpectationCounts speedCounts = running.expectations();
      assertThat(speedCounts.counts())
          .extracting(ExpectationCounts.Count::render)
          .containsExactlyElementsOf(counts);
      assertThat(speedCounts.dropped()).isEqualTo(20);
      assertThat(speedCounts.quarantined()).isEqualTo(80);
    }
    List<String> batchRows = rows("batch-out");
    assertThat(batchRows).hasSize(80);
    assertThat(rows("speed-out")).isEqualTo(batchRows);
    assertThat(quarantinedIn("speed-root")).isEqualTo(80);
  }

  @Test
  void aFailingExpectationStopsTheSpeedLayerWithoutRestarts() throws Exception {
    kafka.createTopic("failing", 1);
    produce("failing", events(0, 20));
    Pipeline speed =
        loader()
            .parse(
                expecting(
                        "failing",
                        "fail-out",
                        "fail-root",
                        "[ { name = small, condition = \"n < 12\", on-failure = fail } ]")
                    + "speed.restart.attempts = 5\n",
                "speed.conf",
                Map.of(),
                Set.of(ExecutionMode.STREAMING));
    SupervisedPipeline running = new SpeedLayer(TestSpark.session()).run(speed);
    try {
      assertThatThrownBy(running::awaitTermination)
          .isInstanceOf(PipelineRunException.class)
          .hasMessage(
              "data-quality expectation 'small' of 'filter_1' failed (on-failure = fail): n < 12;"
                  + " record {\"key\":\"k2\",\"partition\":0,\"offset\":12,"
                  + "\"event_type\":\"purchase_sword\",\"Host\":\"user0.comcast.com\",\"n\":12}");
    } finally {
      running.close();
    }
  }

  @Test
  void metricsScrapedDuringASpeedRunMatchTheBatchRunSummary() throws Exception {
    kafka.createTopic("metered", 2);
    produce("metered", events(0, 200));
    String views =
        "views { per_host { type = aggregate, group-by = [Host], measures { events = count } } }\n";
    RunSummary summary =
        new BatchLayer(TestSpark.session())
            .run(batch(expecting("metered", "metered-batch", "batch-root", EXPECTATIONS) + views));
    assertThat(summary.deadLettersByStage())
        .containsEntry("events", 20L)
        .containsEntry("filter_1", 80L);

    Pipeline speed =
        loader()
            .parse(
                expecting("metered", "metered-speed", "speed-root", EXPECTATIONS)
                    + views
                    + "speed.trigger = \"1 second\"\nmetrics.speed-port = 0\n",
                "speed.conf",
                Map.of(),
                Set.of(ExecutionMode.STREAMING));
    SpeedLayerFactory factory = new SpeedLayerFactory();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (Layer layer =
        factory.create(
            new LayerContext(
                speed,
                new PluginConfig("speed", factory.options(), Map.of()),
                TestSpark::session,
                new PrintStream(printed, true, StandardCharsets.UTF_8)))) {
      layer.start();
      Matcher url =
          Pattern.compile("Prometheus metrics at (\\S+)")
              .matcher(printed.toString(StandardCharsets.UTF_8));
      assertThat(url.find()).as(printed.toString(StandardCharsets.UTF_8)).isTrue();
      ScrapedMetrics[] last = new ScrapedMetrics[1];
      Awaitility.await()
          .atMost(Duration.ofMinutes(2))
          .untilAsserted(
              () -> {
                last[0] = ScrapedMetrics.scrape(url.group(1));
                assertThat(last[0].samples("lambdaflow_records_out_total"))
                    .isEqualTo(Map.of(Map.of("sink", "out"), 80.0));
                assertThat(last[0].samples("lambdaflow_records_in_total"))
                    .isEqualTo(Map.of(Map.of("source", "events"), 200.0));
              });
      ScrapedMetrics metrics = last[0];
      assertThat(metrics.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
      Map<Map<String, String>, Double> expectedLetters = new java.util.HashMap<>();
      summary
          .deadLettersByStage()
          .forEach((stage, n) -> expectedLetters.put(Map.of("stage", stage), (double) n));
      assertThat(metrics.samples("lambdaflow_dead_letters_total")).isEqualTo(expectedLetters);
      Map<Map<String, String>, Double> expectedFailures = new java.util.HashMap<>();
      summary
          .expectations()
          .forEach(
              c ->
                  expectedFailures.put(
                      Map.of(
                          "stage", c.stage(),
                          "expectation", c.expectation(),
                          "policy", c.policy().key()),
                      (double) c.failed()));
      assertThat(metrics.samples("lambdaflow_expectation_failed_records_total"))
          .isEqualTo(expectedFailures);
      assertThat(summary.recordsOut()).isEqualTo(Map.of("out", 80L));
      assertThat(summary.recordsIn()).isEqualTo(Map.of("events", 200L));
      assertThat(
              metrics.value(
                  "lambdaflow_micro_batch_duration_seconds_count", "query", "kafka_events.views"))
          .hasValueSatisfying(n -> assertThat(n).isPositive());
      assertThat(metrics.value("lambdaflow_kafka_lag_records", "query", "kafka_events.views"))
          .hasValue(0.0);
    }
  }
}

package io.lambdaflow.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.embedded.EmbeddedPostgres;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.speed.RunningPipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.testkit.TestKafka;
import io.lambdaflow.testkit.TestPipelines;
import io.lambdaflow.testkit.TestServices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The jdbc sink in the speed layer: Kafka into PostgreSQL, micro-batches written once. */
@ExtendWith(TestServices.class)
class JdbcStreamTest {
  private static EmbeddedKafka kafka;
  private static EmbeddedPostgres postgres;
  private static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start(EmbeddedKafka broker, EmbeddedPostgres server, SparkSession session) {
    kafka = broker;
    postgres = server;
    spark = session;
  }

  private Pipeline pipeline(String topic, String sink) throws ConfigurationException {
    return TestPipelines.loader()
        .parse(
            "name = stream\nlayers = [speed]\nstorage-root = \""
                + dir
                + "\"\nspeed.trigger = available-now\nspeed.restart.attempts = 0\n"
                + "sources { events { type = kafka, bootstrap-servers = \""
                + kafka.bootstrapServers()
                + "\", topic = "
                + topic
                + ", value-format = json, schema = \"id BIGINT, host STRING, amount BIGINT\","
                + " required = [id], max-offsets-per-trigger = 7 } }\n"
                + "sinks { out { type = jdbc, url = \""
                + postgres.jdbcUrl("postgres")
                + "\", "
                + sink
                + " } }\n",
            "stream.conf",
            Map.of(),
            Set.of(ExecutionMode.STREAMING));
  }

  private static void produce(String topic, int from, int count) {
    TestKafka.produce(
        kafka.bootstrapServers(),
        topic,
        TestKafka.records(
            from,
            count,
            i -> "{\"id\":" + i + ",\"host\":\"h" + (i % 3) + "\",\"amount\":" + i * 10 + "}"));
  }

  private static void speed(Pipeline pipeline) throws Exception {
    try (RunningPipeline running = new SpeedLayer(spark).start(pipeline)) {
      running.awaitTermination();
    }
  }

  private static void sql(String... statements) throws Exception {
    try (Connection connection = postgres.connect("postgres");
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  private static List<String> rows(String sql) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection connection = postgres.connect("postgres");
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      while (result.next()) {
        rows.add(result.getString(1));
      }
    }
    return rows;
  }

  @Test
  void aMicroBatchReplayedAfterACrashIsNotWrittenAgain() throws Exception {
    kafka.createTopic("appended", 2);
    Pipeline pipeline = pipeline("appended", "table = appended, sink-id = appended");
    produce("appended", 0, 30);
    speed(pipeline);
    assertThat(rows("SELECT count(*) || '|' || sum(amount) FROM appended"))
        .containsExactly("30|4350");
    List<String> batches = rows("SELECT count(*) FROM lambda_ledger WHERE sink_id = 'appended'");

    // A crash after the last micro-batch was merged and before Spark recorded it as done: its
    // commit marker is gone, so the restarted query runs that micro-batch again.
    Path commits = dir.resolve("checkpoints/out/commits");
    Path last;
    try (Stream<Path> files = Files.list(commits)) {
      last =
          files
              .filter(f -> f.getFileName().toString().matches("\\d+"))
              .max((a, b) -> Long.compare(number(a), number(b)))
              .orElseThrow();
    }
    Files.delete(last);
    Files.deleteIfExists(last.resolveSibling("." + last.getFileName() + ".crc"));
    produce("appended", 30, 5);
    speed(pipeline);
    assertThat(rows("SELECT count(*) || '|' || sum(amount) FROM appended"))
        .containsExactly("35|5950");
    assertThat(rows("SELECT count(*) FROM lambda_ledger WHERE sink_id = 'appended'").get(0))
        .isNotEqualTo(batches.get(0));
  }

  @Test
  void aLostCheckpointStopsTheSinkInsteadOfSkippingOrRepeatingRecords() throws Exception {
    kafka.createTopic("lost", 1);
    Pipeline pipeline = pipeline("lost", "table = lost, sink-id = lost");
    produce("lost", 0, 30);
    speed(pipeline);
    assertThat(rows("SELECT count(*) FROM lost")).containsExactly("30");

    // The checkpoint is gone: the query starts at micro-batch 0 again, from the earliest offsets,
    // and cuts the topic into micro-batches as before up to batch 3 (replays the ledger skips);
    // batch 4 now reads further than the batch 4 the ledger has.
    deleteTree(dir.resolve("checkpoints"));
    produce("lost", 30, 10);
    assertThatThrownBy(() -> speed(pipeline))
        .hasMessageContaining(
            "sink lost: micro-batch 4 was written to lost before, reading up to source"
                + " offsets {\"lost\":{\"0\":30}}, but this query's micro-batch 4 reads up to"
                + " {\"lost\":{\"0\":35}}: the checkpoint was lost or reset (the query's batch"
                + " ids no longer name what the ledger recorded), and writing on would skip or"
                + " repeat records. Restore the checkpoint, or give the sink a new sink-id (its"
                + " ledger starts empty: what the query reads is written again)");
    assertThat(rows("SELECT count(*) || '|' || count(DISTINCT id) FROM lost"))
        .containsExactly("30|30");
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  private static long number(Path file) {
    return Long.parseLong(file.getFileName().toString());
  }

  @Test
  void aMicroBatchWithARefusedRowIsStagedAndCountedOnce() throws Exception {
    kafka.createTopic("checked", 2);
    sql(
        "CREATE TABLE stream_checked (key text, topic text, partition int, \"offset\" bigint,"
            + " timestamp timestamptz, id bigint, host text, amount bigint"
            + " CONSTRAINT under_100 CHECK (amount < 100))",
        // Notes the staging tables made, to tell a micro-batch copied whole from one staged.
        "CREATE TABLE staged (name text)",
        "CREATE FUNCTION note_staged() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN INSERT"
            + " INTO staged SELECT object_identity FROM pg_event_trigger_ddl_commands() WHERE"
            + " command_tag = 'CREATE TABLE' AND object_identity LIKE 'public.lambda_stage_%';"
            + " END $$",
        "CREATE EVENT TRIGGER note_staged ON ddl_command_end EXECUTE FUNCTION note_staged()");
    Pipeline pipeline = pipeline("checked", "table = stream_checked, sink-id = checked");
    // Amounts 0..130, ids alternating between the two partitions: ids 10-13 are refused, and the
    // first micro-batch (7 offsets, about half of each partition) holds none of them.
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
            new StringSerializer(),
            new StringSerializer())) {
      for (int id = 0; id < 14; id++) {
        String value = "{\"id\":" + id + ",\"host\":\"h\",\"amount\":" + id * 10 + "}";
        producer.send(new ProducerRecord<>("checked", id % 2, null, value));
      }
    }
    List<Long> out = new ArrayList<>();
    try (RunningPipeline running = new SpeedLayer(spark).start(pipeline)) {
      running.awaitTermination();
      for (StreamingQuery query : running.queries()) {
        for (StreamingQueryProgress progress : query.recentProgress()) {
          // The speed layer's count of what the query hands the sink.
          Row records = progress.observedMetrics().get("lambdaflow_out_out");
          if (records != null) {
            out.add(records.getLong(0));
          }
        }
      }
    } finally {
      sql("DROP EVENT TRIGGER note_staged", "DROP FUNCTION note_staged()");
    }
    assertThat(rows("SELECT count(*) || '|' || sum(amount) FROM stream_checked"))
        .containsExactly("10|450");
    assertThat(rows("SELECT name FROM staged"))
        .isNotEmpty()
        .doesNotContain("public.lambda_stage_checked_0");
    // What the query handed the sink, per micro-batch: each counted once, though the ones with a
    // refused row went to the table twice (tried whole, then staged).
    assertThat(out.stream().mapToLong(Long::longValue).sum()).isEqualTo(14);
    assertThat(
            spark
                .read()
                .json(dir.resolve("dead-letters") + "/*") // the streamed log lists only its own
                .where("stage = 'out'")
                .selectExpr("reason")
                .collectAsList()
                .stream()
                .map(r -> r.getString(0))
                .toList())
        .containsOnly(
            "new row for relation \"stream_checked\" violates check constraint \"under_100\"")
        .hasSize(4);
  }

  @Test
  void upsertsFromAStreamKeepTheLatestRowPerKey() throws Exception {
    kafka.createTopic("upserted", 1);
    Pipeline pipeline = pipeline("upserted", "table = per_host, mode = upsert, key = [host]");
    produce("upserted", 0, 20);
    speed(pipeline);
    assertThat(rows("SELECT host || ':' || id FROM per_host ORDER BY host"))
        .containsExactly("h0:18", "h1:19", "h2:17");
  }
}

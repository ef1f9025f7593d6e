package io.lambdaflow.examples.pinterest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.embedded.EmbeddedPostgres;
import io.lambdaflow.embedded.EmbeddedS3;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.ingest.IngestService;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.serving.ServingLayer;
import io.lambdaflow.speed.RunningPipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.testkit.TestPipelines;
import io.lambdaflow.testkit.TestServices;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * conf/pinterest.conf end to end on real services: pins with the seed's dirt POSTed to its ingest
 * API, a Kafka broker, a batch run writing cleaned Parquet by day to an S3 API server, the speed
 * layer upserting into PostgreSQL, the serving layer reading the view from S3.
 */
@ExtendWith(TestServices.class)
class PinterestEndToEndTest {
  private static final int PINS = 100;
  private static EmbeddedKafka kafka;
  private static EmbeddedPostgres postgres;
  private static EmbeddedS3 s3;
  private static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start(EmbeddedKafka broker, EmbeddedPostgres database, SparkSession session) {
    kafka = broker;
    postgres = database;
    spark = session;
    s3 = EmbeddedS3.start(0, List.of("pins-e2e"), "lambda", "e2e-secret-key");
    // The shared session was built without the pipeline's spark.conf: S3A is set up here.
    s3.hadoopOptions().forEach(spark.sparkContext().hadoopConfiguration()::set);
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  private Pipeline pipeline() throws Exception {
    Map<String, String> overrides = new LinkedHashMap<>();
    overrides.put("sources.pins.bootstrap-servers", kafka.bootstrapServers());
    overrides.put("ingest.bootstrap-servers", kafka.bootstrapServers());
    overrides.put("ingest.port", "0");
    overrides.put("storage-root", "s3a://pins-e2e/lambda");
    overrides.put("sinks.lake.path", "s3a://pins-e2e/clean");
    overrides.put("sinks.postgres.url", postgres.jdbcUrl("postgres"));
    overrides.put("speed.checkpoint-root", dir.resolve("checkpoints").toString());
    overrides.put("speed.trigger", "available-now");
    overrides.put("serving.cache-dir", dir.resolve("cache").toString());
    return TestPipelines.loader()
        .load(
            Path.of("../../conf/pinterest.conf"),
            overrides,
            Set.of(ExecutionMode.BATCH, ExecutionMode.STREAMING));
  }

  @Test
  void cleanedPinsLandInS3ByDayAndInPostgresOnceAndTheRestAreDeadLetters() throws Exception {
    kafka.createTopic("pins", 2);
    Pipeline pipeline = pipeline();
    List<Pins.Pin> pins = Pins.dataset(PINS);
    long notJson = pins.stream().filter(Pins.Pin::notJson).count();
    List<Pins.Pin> landing = pins.stream().filter(Pins.Pin::lands).toList();
    List<Pins.Pin> refused = pins.stream().filter(p -> !p.lands() && !p.notJson()).toList();
    assertThat(notJson).isEqualTo(4);
    assertThat(refused).hasSize(10);

    PinPoster.Result posted;
    try (IngestService api = IngestService.start(pipeline.ingest())) {
      posted = PinPoster.run(api.url(), PINS, PINS, 0, 4);
    }
    assertThat(posted.failed()).isZero();
    assertThat(posted.refused()).isEqualTo(notJson);
    assertThat(posted.accepted()).isEqualTo(PINS - notJson);

    RunSummary batch = new BatchLayer(spark).run(pipeline);
    assertThat(batch.recordsIn()).containsEntry("pins", PINS - notJson);
    assertThat(batch.recordsOut()).containsEntry("lake", (long) landing.size());
    assertThat(batch.deadLetters()).isEqualTo(refused.size());

    // Parquet in the S3 server's bucket, a folder per day.
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    org.apache.hadoop.fs.Path clean = new org.apache.hadoop.fs.Path("s3a://pins-e2e/clean");
    assertThat(
            Arrays.stream(
                    clean
                        .getFileSystem(spark.sparkContext().hadoopConfiguration())
                        .listStatus(clean))
                .map(status -> status.getPath().getName())
                .filter(n -> n.startsWith("date=")))
        .containsExactly("date=" + today);
    List<Row> lake = spark.read().parquet("s3a://pins-e2e/clean").collectAsList();
    assertThat(lake.stream().map(r -> r.<String>getAs("unique_id")).toList())
        .containsExactlyInAnyOrderElementsOf(landing.stream().map(Pins.Pin::uniqueId).toList());

    List<String> reasons =
        spark.read().json("s3a://pins-e2e/lambda/dead-letters").collectAsList().stream()
            .map(r -> r.<String>getAs("reason"))
            .toList();
    assertThat(reasons).hasSize(refused.size());
    for (Pins.Pin pin : refused) {
      assertThat(reasons).anySatisfy(reason -> assertThat(reason).startsWith(pin.refusal()));
    }

    try (RunningPipeline speed = new SpeedLayer(spark).start(pipeline)) {
      speed.awaitTermination();
    }
    Map<String, List<Object>> table = new LinkedHashMap<>();
    try (Connection connection = postgres.connect("postgres");
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT unique_id, index, title, description, follower_count, tag_list,"
                    + " downloaded, is_image_or_video, category, date FROM pins")) {
      while (rows.next()) {
        List<Object> row = new ArrayList<>();
        for (int c = 2; c <= 10; c++) {
          row.add(rows.getObject(c));
        }
        table.put(rows.getString(1), row);
      }
    }
    assertThat(new TreeSet<>(table.keySet()))
        .isEqualTo(new TreeSet<>(landing.stream().map(Pins.Pin::uniqueId).toList()));
    java.sql.Date day = java.sql.Date.valueOf(today);
    // The seed's five steps on four fixed pins, exactly.
    assertThat(table.get(Pins.pin(0).uniqueId()))
        .containsExactly(
            0,
            "Café guide no0",
            "What’s new in travel",
            10_000L,
            "travel",
            0,
            "video",
            "travel",
            day);
    assertThat(table.get(Pins.pin(1).uniqueId()))
        .containsExactly(
            1,
            "Best diy-and-crafts ideas 2021",
            "What’s new in diy-and-crafts",
            2_000_000L,
            "diy-and-crafts,ideas,misc",
            1,
            "image",
            "diy-and-crafts",
            day);
    assertThat(table.get(Pins.pin(2).uniqueId()))
        .containsExactly(
            2,
            "Plain title 2",
            "What’s new in mens-fashion",
            3_200L,
            "mens-fashion,inspo,misc",
            0,
            "image",
            "mens-fashion",
            day);
    assertThat(table.get(Pins.pin(3).uniqueId()).subList(0, 4))
        .containsExactly(3, "Caf\u00e9 guide no3", "What’s new in art", 21L);

    // The same pins posted again, by `lambda pin-poster`: upserted, still one row each.
    try (IngestService api = IngestService.start(pipeline.ingest())) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      String[] args = {
        "pin-poster", "--url", api.url(), "--count", "20", "--dataset", "" + PINS, "--rate", "0"
      };
      int status =
          PinterestMain.run(
              args, new PrintStream(out, true, UTF_8), new PrintStream(out, true, UTF_8));
      assertThat(out.toString(UTF_8).lines().toList())
          .as("exit %d", status)
          .first()
          .isEqualTo(
              "posting 20 pins from a dataset of 100 to " + api.url() + "/pin at full speed");
      assertThat(out.toString(UTF_8).lines().toList().get(1))
          .matches("20 acknowledged, 0 refused \\(not JSON\\), 0 failed, in \\d+\\.\\d s");
      assertThat(status).isZero();
    }
    try (RunningPipeline speed = new SpeedLayer(spark).start(pipeline)) {
      speed.awaitTermination();
    }
    try (Connection connection = postgres.connect("postgres");
        Statement statement = connection.createStatement();
        ResultSet count =
            statement.executeQuery("SELECT count(*), count(DISTINCT unique_id) FROM pins")) {
      count.next();
      assertThat(count.getLong(1)).isEqualTo(landing.size());
      assertThat(count.getLong(2)).isEqualTo(landing.size());
    }

    // The serving layer reads the batch view from S3 through its cache.
    try (ServingLayer serving =
        ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())) {
      serving.refresh();
      QueryResult total =
          serving.query("SELECT SUM(pins) FROM " + ServingLayer.batchPart("pins_per_category"));
      assertThat(((Number) total.rows().get(0).get(0)).longValue()).isEqualTo(landing.size());
    }
  }
}

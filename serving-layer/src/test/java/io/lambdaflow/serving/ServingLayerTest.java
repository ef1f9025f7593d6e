package io.lambdaflow.serving;

import static io.lambdaflow.serving.LambdaContract.text;
import static io.lambdaflow.testkit.GameEvents.PER_HOST_SQL;
import static io.lambdaflow.testkit.GameEvents.PURCHASES_SQL;
import static io.lambdaflow.testkit.GameEvents.perHost;
import static io.lambdaflow.testkit.GameEvents.purchases;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.speed.RunningPipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.testkit.GameEvents;
import io.lambdaflow.testkit.ScrapedMetrics;
import io.lambdaflow.testkit.TestServices;
import io.lambdaflow.views.SpeedBatch;
import io.lambdaflow.views.ViewStore;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The serving layer's engines and API, the metastore, recompute and Kafka gaps. */
@ExtendWith(TestServices.class)
class ServingLayerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static EmbeddedKafka kafka;
  private static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start(EmbeddedKafka broker, SparkSession session) {
    kafka = broker;
    spark = session;
  }

  private Pipeline pipeline(String topic, Map<String, String> overrides) {
    return LambdaContract.pipeline(
        GameEvents.hocon(kafka.bootstrapServers(), topic, dir.resolve("store")), overrides);
  }

  /** Batch over the first events, speed over the rest: a view served from both layers. */
  private List<GameEvents.Event> batchThenSpeed(String topic, Pipeline pipeline) throws Exception {
    kafka.createTopic(topic, 1);
    Random random = new Random(5);
    List<GameEvents.Event> all = new ArrayList<>(GameEvents.events(random, 0, 120));
    GameEvents.produce(kafka.bootstrapServers(), topic, all);
    new BatchLayer(spark).run(pipeline);
    List<GameEvents.Event> more = GameEvents.events(random, 120, 30);
    GameEvents.produce(kafka.bootstrapServers(), topic, more);
    all.addAll(more);
    try (RunningPipeline running = new SpeedLayer(spark).start(pipeline)) {
      running.awaitTermination();
    }
    return all;
  }

  @Test
  void bothEnginesGiveIdenticalAnswers() throws Exception {
    Pipeline pipeline = pipeline("engines", Map.of());
    List<GameEvents.Event> all = batchThenSpeed("engines", pipeline);
    List<String> queries =
        List.of(
            PURCHASES_SQL,
            PER_HOST_SQL,
            "SELECT host, SUM(events) AS events, MAX(top) AS top FROM per_host GROUP BY host",
            "SELECT p.host, COUNT(*) AS n, MIN(h.mean) AS m FROM purchases p JOIN per_host h"
                + " ON p.host = h.host AND p.event_type = h.event_type GROUP BY p.host",
            "WITH big AS (SELECT * FROM purchases WHERE amount > 50) SELECT COUNT(*) FROM big");
    try (ServingLayer duck =
            ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration());
        ServingLayer sparkSql = ServingLayer.withSpark(pipeline, spark)) {
      duck.refresh();
      sparkSql.refresh();
      assertThat(text(duck.query(PER_HOST_SQL))).isEqualTo(perHost(all));
      for (String query : queries) {
        assertThat(text(duck.query(query))).as(query).isEqualTo(text(sparkSql.query(query)));
      }
      for (String host : GameEvents.HOSTS) {
        QueryResult duckRows = duck.lookup("per_host", Map.of("host", host), 100);
        assertThat(duckRows.rows()).isNotEmpty();
        assertThat(text(duckRows))
            .isEqualTo(text(sparkSql.lookup("per_host", Map.of("host", host), 100)));
      }
      assertThat(duck.view("purchases").orElseThrow().speedRows())
          .isEqualTo(sparkSql.view("purchases").orElseThrow().speedRows())
          .isPositive();
    }
  }

  @Test
  void theSpeedLayerReadsEachMicroBatchOnceForEveryViewAndTheDeadLetters() throws Exception {
    Pipeline pipeline = pipeline("shared", Map.of());
    kafka.createTopic("shared", 2);
    List<GameEvents.Event> events = GameEvents.events(new Random(3), 0, 120);
    GameEvents.produce(kafka.bootstrapServers(), "shared", events);
    try (RunningPipeline running = new SpeedLayer(spark).start(pipeline)) {
      assertThat(running.queries())
          .as("one query for both views and the dead letters")
          .extracting(StreamingQuery::name)
          .containsExactly("game.views");
      running.awaitTermination();
    }
    List<GameEvents.Event> malformed = events.stream().filter(GameEvents.Event::malformed).toList();
    assertThat(malformed).isNotEmpty();
    List<Row> letters =
        spark.read().json(dir.resolve("store/dead-letters").toString()).collectAsList();
    assertThat(letters)
        .extracting(r -> r.<String>getAs("raw"))
        .containsExactlyInAnyOrderElementsOf(
            malformed.stream().map(GameEvents.Event::json).toList());
    assertThat(letters)
        .allSatisfy(
            letter -> {
              assertThat(letter.<String>getAs("stage")).isEqualTo("events");
              assertThat(letter.<String>getAs("position")).matches("shared/[01]@\\d+");
              assertThat(letter.<String>getAs("reason"))
                  .matches("malformed JSON: unquoted field name at character \\d+");
            });
    try (ServingLayer duck =
        ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())) {
      duck.refresh();
      assertThat(text(duck.query(PURCHASES_SQL))).isEqualTo(purchases(events));
      assertThat(text(duck.query(PER_HOST_SQL))).isEqualTo(perHost(events));
    }
    // A refresh that was waiting for the lock when its layer closed does nothing: it does not load
    // the views into the closed engine.
    ServingLayer closed =
        ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration());
    closed.close();
    assertThat(closed.refresh()).isFalse();
  }

  @Test
  void refreshesReadOnlyNewMicroBatchesAndFollowReplaysAndRemovals() throws Exception {
    Pipeline pipeline = pipeline("replays", Map.of());
    List<GameEvents.Event> all = batchThenSpeed("replays", pipeline);
    ViewStore store = pipeline.openStore(spark.sparkContext().hadoopConfiguration());
    try (ServingLayer duck =
            ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration());
        ServingLayer sparkSql = ServingLayer.withSpark(pipeline, spark)) {
      assertThat(duck.refresh()).isTrue();
      assertThat(duck.refresh()).as("nothing new").isFalse();

      // A second speed run adds micro-batches to those loaded.
      List<GameEvents.Event> more = GameEvents.events(new Random(7), 150, 60);
      GameEvents.produce(kafka.bootstrapServers(), "replays", more);
      all.addAll(more);
      try (RunningPipeline running = new SpeedLayer(spark).start(pipeline)) {
        running.awaitTermination();
      }
      assertThat(duck.refresh()).isTrue();
      assertThat(text(duck.query(PURCHASES_SQL))).isEqualTo(purchases(all));
      assertThat(text(duck.query(PER_HOST_SQL))).isEqualTo(perHost(all));
      List<SpeedBatch> batches = store.speedBatches("purchases");
      assertThat(batches).hasSizeGreaterThanOrEqualTo(2);
      long full = duck.view("purchases").orElseThrow().speedRows();
      assertThat(full).isEqualTo(batches.stream().mapToLong(SpeedBatch::rows).sum());

      // The speed layer's checkpoint is lost: its query starts over from the first offset with
      // micro-batch ids from 0, and the speed views start over with it; nothing counts twice.
      store.delete(new org.apache.hadoop.fs.Path(pipeline.speed().checkpointRoot()));
      try (RunningPipeline running = new SpeedLayer(spark).start(pipeline)) {
        running.awaitTermination();
      }
      assertThat(duck.refresh()).isTrue();
      assertThat(text(duck.query(PURCHASES_SQL))).isEqualTo(purchases(all));
      assertThat(text(duck.query(PER_HOST_SQL))).isEqualTo(perHost(all));
      batches = store.speedBatches("purchases");
      full = duck.view("purchases").orElseThrow().speedRows();

      // A replay of the last micro-batch under its id, now with one row: its rows are replaced
      // (in the aggregate view too, kept merged and updated for the speed part's keys).
      Map<String, SpeedBatch> lastOf = new java.util.HashMap<>();
      for (String view : List.of("purchases", "per_host")) {
        List<SpeedBatch> ofView = store.speedBatches(view);
        SpeedBatch last = ofView.get(ofView.size() - 1);
        assertThat(last.rows()).isGreaterThan(1);
        lastOf.put(view, last);
        spark
            .read()
            .parquet(last.path())
            .limit(1)
            .write()
            .parquet(store.speedBatchAside(view, last.batchId()).toString());
        store.commitSpeedBatch(
            view,
            new SpeedBatch(
                last.batchId(), "", 1, last.columns(), last.maxOffsets(), java.time.Instant.now()));
      }
      SpeedBatch last = lastOf.get("purchases");
      assertThat(duck.refresh()).isTrue();
      sparkSql.refresh();
      assertThat(duck.view("purchases").orElseThrow().speedRows())
          .isEqualTo(full - last.rows() + 1);
      assertThat(text(duck.query(PURCHASES_SQL))).isEqualTo(text(sparkSql.query(PURCHASES_SQL)));
      assertThat(text(duck.query(PER_HOST_SQL))).isEqualTo(text(sparkSql.query(PER_HOST_SQL)));
      assertThat(text(duck.query(PER_HOST_SQL))).isNotEqualTo(perHost(all));

      // A micro-batch that is gone leaves the served view.
      store.dropSpeedBatch("purchases", last.batchId());
      store.dropSpeedBatch("per_host", lastOf.get("per_host").batchId());
      assertThat(duck.refresh()).isTrue();
      sparkSql.refresh();
      assertThat(duck.view("purchases").orElseThrow().speedRows()).isEqualTo(full - last.rows());
      assertThat(text(duck.query(PURCHASES_SQL))).isEqualTo(text(sparkSql.query(PURCHASES_SQL)));
      assertThat(text(duck.query(PER_HOST_SQL))).isEqualTo(text(sparkSql.query(PER_HOST_SQL)));
      for (String host : List.of("user1.comcast.com", "user2.att.com")) {
        assertThat(text(duck.lookup("per_host", Map.of("host", host), 100)))
            .isEqualTo(text(sparkSql.lookup("per_host", Map.of("host", host), 100)))
            .isNotEmpty();
      }
    }
  }

  @Test
  void httpApiServesViewsLookupsAndReadOnlyQueries() throws Exception {
    Pipeline pipeline = pipeline("http", Map.of());
    List<GameEvents.Event> all = batchThenSpeed("http", pipeline);
    HttpClient client = HttpClient.newHttpClient();
    try (ServingLayer serving =
            ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration());
        HttpApi api = startApi(serving)) {
      JsonNode health = get(client, api, "/health", 200);
      assertThat(health.path("status").asText()).isEqualTo("ok");
      assertThat(health.path("engine").asText()).isEqualTo("duckdb");

      JsonNode views = get(client, api, "/views", 200).path("views");
      assertThat(views).hasSize(2);
      JsonNode perHost = views.get(1);
      assertThat(perHost.path("name").asText()).isEqualTo("per_host");
      assertThat(perHost.path("batch").path("run").asLong()).isEqualTo(1);
      assertThat(perHost.path("batch").path("horizon").path("events").path("http/0").asLong())
          .isEqualTo(120);
      assertThat(perHost.path("speed").path("rows").asLong())
          .isEqualTo(all.subList(120, 150).stream().filter(e -> !e.malformed()).count());
      assertThat(perHost.path("ageSeconds").asDouble()).isGreaterThanOrEqualTo(0);

      String host = GameEvents.HOSTS[1];
      JsonNode lookup =
          get(
              client,
              api,
              "/views/per_host?host=" + URLEncoder.encode(host, StandardCharsets.UTF_8),
              200);
      long expectedEvents =
          all.stream().filter(e -> !e.malformed() && e.host().equals(host)).count();
      long servedEvents = 0;
      for (JsonNode row : lookup.path("rows")) {
        assertThat(row.path("host").asText()).isEqualTo(host);
        servedEvents += row.path("events").asLong();
      }
      assertThat(servedEvents).isEqualTo(expectedEvents);

      JsonNode answer = post(client, api, "SELECT COUNT(*) AS n FROM purchases", 200);
      assertThat(answer.path("rows").get(0).path("n").asLong()).isEqualTo(purchases(all).size());

      String notAQuery =
          "only read-only queries are served (SELECT ..., WITH ... SELECT ...): this text holds a"
              + " statement that is not a query";
      assertThat(post(client, api, "DROP TABLE purchases", 400).path("error").asText())
          .isEqualTo(notAQuery);
      assertThat(post(client, api, "SELECT 1; DELETE FROM purchases", 400).path("error").asText())
          .isEqualTo(notAQuery);
      assertThat(post(client, api, "SELECT 1; SELECT 2", 400).path("error").asText())
          .isEqualTo("send one query at a time: this text holds 2 statements");
      assertThat(
              post(client, api, "WITH x AS (SELECT 1) INSERT INTO purchases SELECT * FROM x", 400)
                  .path("error")
                  .asText())
          .isEqualTo(notAQuery);
      assertThat(
              post(client, api, "SELECT * FROM read_csv('/etc/passwd')", 400)
                  .path("error")
                  .asText())
          .isEqualTo(
              "table function 'read_csv' is not served: queries read only the served views"
                  + " [per_host, per_host__batch, per_host__speed, purchases, purchases__batch,"
                  + " purchases__speed] (and range, generate_series, unnest)");
      assertThat(get(client, api, "/views/purchases?limit=-1", 400).path("error").asText())
          .isEqualTo("limit must be a whole number from 1 to 10000, got '-1'");
      assertThat(post(client, api, PURCHASES_SQL, 200).path("count").asInt())
          .as("nothing was dropped or changed")
          .isEqualTo(purchases(all).size());
      assertThat(get(client, api, "/views/nope", 404).path("error").asText())
          .contains("no view named 'nope'")
          .contains("purchases");
      assertThat(get(client, api, "/views/per_host?amount=3", 400).path("error").asText())
          .contains("not looked up by 'amount'")
          .contains("[host, event_type]");
      get(client, api, "/elsewhere", 404);

      ScrapedMetrics metrics = ScrapedMetrics.scrape(api.url() + "/metrics");
      assertThat(metrics.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
      assertThat(metrics.samples("lambdaflow_view_speed_rows"))
          .containsEntry(Map.of("view", "per_host"), perHost.path("speed").path("rows").asDouble());
      assertThat(metrics.samples("lambdaflow_view_batch_rows"))
          .containsEntry(Map.of("view", "per_host"), perHost.path("batch").path("rows").asDouble());
      assertThat(metrics.value("lambdaflow_view_freshness_seconds", "view", "purchases"))
          .hasValueSatisfying(age -> assertThat(age).isBetween(0.0, 600.0));
      // Latency per endpoint and status, as a histogram: the requests above, counted.
      assertThat(
              metrics.value(
                  "lambdaflow_serving_request_duration_seconds_count",
                  "endpoint",
                  "query",
                  "status",
                  "400"))
          .hasValue(5.0);
      assertThat(
              metrics.value(
                  "lambdaflow_serving_request_duration_seconds_bucket",
                  "endpoint",
                  "lookup",
                  "status",
                  "200",
                  "le",
                  "+Inf"))
          .hasValue(1.0);
      assertThat(
              metrics.value(
                  "lambdaflow_serving_request_duration_seconds_count",
                  "endpoint",
                  "other",
                  "status",
                  "404"))
          .hasValue(1.0);
    }
  }

  /** Headless Chromium (Debian's chromium, which .ci/run installs), if this machine has it. */
  private static Optional<String> chromium() {
    for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
      for (String folder : System.getenv().getOrDefault("PATH", "").split(":")) {
        if (Files.isExecutable(Path.of(folder, name))) {
          return Optional.of(Path.of(folder, name).toString());
        }
      }
    }
    return Optional.empty();
  }

  private String browse(String chromium, String... arguments) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + dir.resolve("chromium-profile")));
    command.addAll(List.of(arguments));
    Process process =
        new ProcessBuilder(command).redirectError(dir.resolve("chromium.log").toFile()).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
    assertThat(process.exitValue()).as(Files.readString(dir.resolve("chromium.log"))).isZero();
    return out;
  }

  @Test
  void theStatusPageInChromiumShowsTheViewsWithTheirCountsAndTheDeadLetters() throws Exception {
    Optional<String> chromium = chromium();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        chromium.isPresent(), "chromium is not installed (.ci/run installs it)");
    Pipeline pipeline = pipeline("status", Map.of());
    batchThenSpeed("status", pipeline);
    long deadLetters =
        ((io.lambdaflow.spi.SupportsReadBack) pipeline.deadLetter().spec())
            .readBack(spark)
            .orElseThrow()
            .count();
    assertThat(deadLetters).isPositive();
    try (ServingLayer serving =
            ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration());
        HttpApi api = startApi(serving)) {
      String url = api.url() + "/status";
      String dom = browse(chromium.get(), "--dump-dom", url);
      Path shot = dir.resolve("status.png");
      browse(chromium.get(), "--screenshot=" + shot, "--window-size=1280,2000", url);
      byte[] png = Files.readAllBytes(shot);
      assertThat(png).startsWith(0x89, 'P', 'N', 'G');
      assertThat(png.length).isGreaterThan(20_000);

      assertThat(dom).contains("<span data-pipeline=\"\">" + pipeline.name() + "</span>");
      assertThat(serving.views()).hasSize(2);
      for (ViewState view : serving.views()) {
        java.util.regex.Matcher row =
            java.util.regex.Pattern.compile(
                    "data-view=\""
                        + view.view().name()
                        + "\">.*?data-batch-rows=\"\">([\\d,]+)<.*?data-speed-rows=\"\">([\\d,]+)<")
                .matcher(dom);
        assertThat(row.find()).as(view.view().name()).isTrue();
        assertThat(row.group(1).replace(",", "")).isEqualTo(Long.toString(view.batchRows()));
        assertThat(row.group(2).replace(",", "")).isEqualTo(Long.toString(view.speedRows()));
        assertThat(view.batchRows()).isPositive();
        assertThat(view.speedRows()).isPositive();
      }
      assertThat(dom)
          .contains(
              String.format(
                  java.util.Locale.ROOT, "<span data-dead-letters=\"\">%,d</span>", deadLetters))
          .contains("<tr data-stage=\"events\">")
          .contains("data-node=\"events\"")
          .contains("data-query=\"game.views\"");
    }
  }

  @Test
  void batchViewsAndTheMasterDatasetAreTablesInTheMetastore() throws Exception {
    String topic = "metastore";
    kafka.createTopic(topic, 1);
    Pipeline pipeline =
        pipeline(
            topic,
            Map.of(
                "metastore.enabled", "true",
                "metastore.database", "game_tables",
                "master.partition-by.events.day", "to_date(timestamp)"));
    List<GameEvents.Event> events = GameEvents.events(new Random(3), 0, 80);
    GameEvents.produce(kafka.bootstrapServers(), topic, events);
    new BatchLayer(spark).run(pipeline);
    List<GameEvents.Event> more = GameEvents.events(new Random(4), 80, 20);
    GameEvents.produce(kafka.bootstrapServers(), topic, more);
    new BatchLayer(spark).run(pipeline);
    List<GameEvents.Event> all = new ArrayList<>(events);
    all.addAll(more);

    assertThat(spark.conf().get("spark.sql.catalogImplementation")).isEqualTo("hive");
    assertThat(spark.catalog().tableExists("game_tables", "purchases")).isTrue();
    assertThat(spark.sql("SELECT COUNT(*) FROM game_tables.purchases").first().getLong(0))
        .isEqualTo(purchases(all).size());
    assertThat(
            spark
                .sql(
                    "SELECT _lambda_run, COUNT(*) FROM game_tables.master_events"
                        + " GROUP BY _lambda_run ORDER BY _lambda_run")
                .collectAsList()
                .stream()
                .map(r -> r.get(0) + ":" + r.getLong(1))
                .toList())
        .as("the master dataset holds each run's new records, malformed ones excluded")
        .containsExactly(
            "1:" + events.stream().filter(e -> !e.malformed()).count(),
            "2:" + more.stream().filter(e -> !e.malformed()).count());
    assertThat(spark.table("game_tables.master_events").columns()).contains("day", "_lambda_run");
    assertThat(spark.sql("SHOW PARTITIONS game_tables.master_events").collectAsList().size())
        .isGreaterThanOrEqualTo(2);
  }

  @Test
  void recomputeRebuildsTheViewsFromTheMasterDatasetWithoutReadingSources() throws Exception {
    String topic = "recompute";
    kafka.createTopic(topic, 1);
    Pipeline pipeline = pipeline(topic, Map.of());
    List<GameEvents.Event> events = GameEvents.events(new Random(9), 0, 100);
    GameEvents.produce(kafka.bootstrapServers(), topic, events);
    new BatchLayer(spark).run(pipeline);

    // "Fix" the transform: only amounts of 50 and more count now.
    Pipeline fixed =
        pipeline(topic, Map.of("transforms", "[{ type = filter, condition = \"amount >= 50\" }]"));
    GameEvents.produce(
        kafka.bootstrapServers(),
        topic,
        GameEvents.events(new Random(10), 100, 10)); // not read by --recompute
    RunSummary recomputed =
        new BatchLayer(spark).run(fixed, new BatchLayer.RunOptions(true, false));
    assertThat(recomputed.published()).isEqualTo(2);
    assertThat(recomputed.totalIn()).isZero();
    try (ServingLayer serving =
        ServingLayer.withDuckDb(fixed, spark.sparkContext().hadoopConfiguration())) {
      serving.refresh();
      assertThat(text(serving.query(PURCHASES_SQL)))
          .isEqualTo(purchases(events.stream().filter(e -> e.amount() >= 50).toList()));
      assertThat(serving.view("purchases").orElseThrow().published().horizon("events").ends())
          .containsEntry("recompute/0", 100L);
    }
  }

  @Test
  void aKafkaGapIsReportedWithTopicPartitionAndOffsets() throws Exception {
    String topic = "gap";
    kafka.createTopic(topic, 1);
    Pipeline pipeline = pipeline(topic, Map.of());
    GameEvents.produce(kafka.bootstrapServers(), topic, GameEvents.events(new Random(1), 0, 20));
    new BatchLayer(spark).run(pipeline);
    GameEvents.produce(kafka.bootstrapServers(), topic, GameEvents.events(new Random(2), 20, 20));
    // Retention, by hand: the log now starts at offset 30.
    kafka
        .admin()
        .deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(30)))
        .all()
        .get();

    assertThatThrownBy(() -> new BatchLayer(spark).run(pipeline))
        .isInstanceOf(PipelineRunException.class)
        .hasMessageContaining("topic gap partition 0 no longer holds offsets 20 to 29")
        .hasMessageContaining("--accept-gap");

    RunSummary accepted =
        new BatchLayer(spark).run(pipeline, new BatchLayer.RunOptions(false, true));
    assertThat(accepted.published()).isEqualTo(2);
    assertThat(accepted.recordsIn()).containsEntry("events", 10L);
  }

  private static HttpApi startApi(ServingLayer serving) throws Exception {
    serving.refresh();
    return HttpApi.start(serving, "127.0.0.1", 0);
  }

  private static JsonNode get(HttpClient client, HttpApi api, String path, int status)
      throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create(api.url() + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(status);
    return JSON.readTree(response.body());
  }

  private static JsonNode post(HttpClient client, HttpApi api, String sql, int status)
      throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create(api.url() + "/query"))
                .POST(HttpRequest.BodyPublishers.ofString(sql))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(sql + ": " + response.body()).isEqualTo(status);
    return JSON.readTree(response.body());
  }
}

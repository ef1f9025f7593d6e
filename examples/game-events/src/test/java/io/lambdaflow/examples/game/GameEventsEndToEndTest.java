package io.lambdaflow.examples.game;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.ingest.IngestService;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.serving.ServingLayer;
import io.lambdaflow.speed.RunningPipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.testkit.TestPipelines;
import io.lambdaflow.testkit.TestServices;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * conf/game-events.conf end to end: N events through the game API, a batch run, M more, the speed
 * layer catches up; the serving layer reports N+M purchases split correctly by host and layer.
 */
@ExtendWith(TestServices.class)
class GameEventsEndToEndTest {
  static final List<String> HOSTS =
      List.of("user1.comcast.com", "user2.att.com", "user3.google.com");
  private static EmbeddedKafka kafka;
  private static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start(EmbeddedKafka broker, SparkSession session) {
    kafka = broker;
    kafka.createTopic("events", 2);
    spark = session;
  }

  static Pipeline pipeline(String bootstrap, Map<String, String> overrides)
      throws ConfigurationException {
    Map<String, String> all = new LinkedHashMap<>(overrides);
    all.put("sources.events.bootstrap-servers", bootstrap);
    all.put("speed.trigger", "available-now");
    return TestPipelines.loader()
        .load(
            Path.of("../../conf/game-events.conf"),
            all,
            Set.of(ExecutionMode.BATCH, ExecutionMode.STREAMING));
  }

  /**
   * The game's web API: conf/game-events.conf's ingest routes logging to {@code topic} at {@code
   * bootstrap}, on a free loopback port.
   */
  static IngestService api(String bootstrap, String topic) throws Exception {
    return IngestService.start(
        TestPipelines.loader()
            .load(
                Path.of("../../conf/game-events.conf"),
                Map.of(
                    "ingest.bootstrap-servers",
                    bootstrap,
                    "ingest.topic",
                    topic,
                    "ingest.port",
                    "0"),
                Set.of(ExecutionMode.BATCH))
            .ingest());
  }

  static Map<String, Long> perHost(ServingLayer serving, String relation) {
    Map<String, Long> counts = new TreeMap<>();
    QueryResult result =
        serving.query("SELECT host, COUNT(*) AS n FROM " + relation + " GROUP BY host");
    result.rows().forEach(r -> counts.put((String) r.get(0), (Long) r.get(1)));
    return counts;
  }

  @Test
  void purchasesFromTheApiAreServedOnceSplitByHostAndLayer() throws Exception {
    Pipeline pipeline =
        pipeline(
            kafka.bootstrapServers(),
            Map.of(
                "storage-root", dir.resolve("store").toString(), "metastore.database", "game_e2e"));
    try (IngestService api = api(kafka.bootstrapServers(), "events")) {
      LoadGenerator.Result first = LoadGenerator.run(api.url(), HOSTS, 300, 0, 6, 1);
      assertThat(first.failed()).isZero();
      RunSummary batch = new BatchLayer(spark).run(pipeline);
      assertThat(batch.recordsIn()).containsEntry("events", 300L);
      assertThat(batch.deadLetters()).isZero();

      LoadGenerator.Result second = LoadGenerator.run(api.url(), HOSTS, 150, 0, 6, 2);
      assertThat(second.failed()).isZero();
      try (RunningPipeline speed = new SpeedLayer(spark).start(pipeline)) {
        speed.awaitTermination();
      }

      try (ServingLayer serving =
          ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())) {
        serving.refresh();
        Map<String, Long> expected = new TreeMap<>();
        first.byHost("purchase_sword").forEach((h, n) -> expected.merge(h, n, Long::sum));
        second.byHost("purchase_sword").forEach((h, n) -> expected.merge(h, n, Long::sum));
        expected.values().removeIf(n -> n == 0);
        assertThat(perHost(serving, "purchases")).isEqualTo(expected);
        assertThat(perHost(serving, ServingLayer.batchPart("purchases")))
            .isEqualTo(withoutZeros(first.byHost("purchase_sword")));
        assertThat(perHost(serving, ServingLayer.speedPart("purchases")))
            .isEqualTo(withoutZeros(second.byHost("purchase_sword")));

        QueryResult perType =
            serving.query("SELECT event_type, events FROM events_per_type ORDER BY event_type");
        Map<String, Long> types = new TreeMap<>();
        perType.rows().forEach(r -> types.put((String) r.get(0), (Long) r.get(1)));
        Map<String, Long> expectedTypes = new TreeMap<>();
        for (LoadGenerator.Result r : List.of(first, second)) {
          r.events()
              .values()
              .forEach(t -> t.forEach((type, n) -> expectedTypes.merge(type, n, Long::sum)));
        }
        assertThat(types).isEqualTo(expectedTypes);
      }
      assertThat(spark.sql("SELECT COUNT(*) FROM game_e2e.purchases").first().getLong(0))
          .as("the batch view's table in the metastore")
          .isEqualTo(
              first.byHost("purchase_sword").values().stream().mapToLong(Long::longValue).sum());
    }
  }

  private static Map<String, Long> withoutZeros(Map<String, Long> counts) {
    Map<String, Long> copy = new TreeMap<>(counts);
    copy.values().removeIf(n -> n == 0);
    return copy;
  }
}

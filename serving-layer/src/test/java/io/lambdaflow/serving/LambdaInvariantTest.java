package io.lambdaflow.serving;

import static io.lambdaflow.serving.LambdaContract.text;
import static io.lambdaflow.testkit.GameEvents.PER_HOST_SQL;
import static io.lambdaflow.testkit.GameEvents.PURCHASES_SQL;
import static io.lambdaflow.testkit.GameEvents.perHost;
import static io.lambdaflow.testkit.GameEvents.purchases;
import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.speed.RunningPipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.testkit.GameEvents;
import io.lambdaflow.testkit.TestServices;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lambda contract's invariant: for any interleaving of produce steps, batch runs and speed
 * layer progress, every served view equals the same view computed directly over every record the
 * layers have seen. Seeded and random; a failing seed reproduces.
 */
@ExtendWith(TestServices.class)
class LambdaInvariantTest {
  private static EmbeddedKafka kafka;
  private static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start(EmbeddedKafka broker, SparkSession session) {
    kafka = broker;
    spark = session;
  }

  static void speedStep(Pipeline pipeline) throws Exception {
    try (RunningPipeline running = new SpeedLayer(spark).start(pipeline)) {
      running.awaitTermination();
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {11, 23, 37, 41, 59, 73})
  void servedViewsEqualViewsOverEverythingSeen(long seed) throws Exception {
    Random random = new Random(seed);
    String topic = "game_" + seed;
    kafka.createTopic(topic, 2);
    Pipeline pipeline =
        LambdaContract.pipeline(
            GameEvents.hocon(kafka.bootstrapServers(), topic, dir.resolve("store")), Map.of());
    List<GameEvents.Event> produced = new ArrayList<>();
    int seen = 0; // every step processes all that was produced before it
    List<String> steps = new ArrayList<>();
    try (ServingLayer duck =
            ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration());
        ServingLayer sparkSql = ServingLayer.withSpark(pipeline, spark)) {
      for (int step = 0; step < 9; step++) {
        int choice = step == 0 ? 0 : random.nextInt(4);
        switch (choice) {
          case 0, 3 -> {
            List<GameEvents.Event> events =
                GameEvents.events(random, produced.size(), 5 + random.nextInt(40));
            GameEvents.produce(kafka.bootstrapServers(), topic, events);
            produced.addAll(events);
            steps.add("produce " + events.size());
          }
          case 1 -> {
            RunSummary summary = new BatchLayer(spark).run(pipeline);
            seen = produced.size();
            steps.add("batch (published " + summary.published() + ")");
          }
          default -> {
            speedStep(pipeline);
            seen = produced.size();
            steps.add("speed");
          }
        }
        List<GameEvents.Event> visible = produced.subList(0, seen);
        duck.refresh();
        String context = "seed " + seed + " after " + steps;
        if (seen == 0) {
          continue;
        }
        assertThat(text(duck.query(PURCHASES_SQL))).as(context).isEqualTo(purchases(visible));
        assertThat(text(duck.query(PER_HOST_SQL))).as(context).isEqualTo(perHost(visible));
        if (step == 8) {
          sparkSql.refresh();
          assertThat(text(sparkSql.query(PURCHASES_SQL))).as(context).isEqualTo(purchases(visible));
          assertThat(text(sparkSql.query(PER_HOST_SQL))).as(context).isEqualTo(perHost(visible));
        }
      }
    }
  }

  @Test
  void afterStreamingStopsABatchRunServesTheSameAnswerFromTheBatchViewAlone() throws Exception {
    Random random = new Random(7);
    String topic = "game_catch_up";
    kafka.createTopic(topic, 2);
    Pipeline pipeline =
        LambdaContract.pipeline(
            GameEvents.hocon(kafka.bootstrapServers(), topic, dir.resolve("store")), Map.of());
    List<GameEvents.Event> first = GameEvents.events(random, 0, 60);
    GameEvents.produce(kafka.bootstrapServers(), topic, first);
    new BatchLayer(spark).run(pipeline);
    List<GameEvents.Event> more = GameEvents.events(random, 60, 40);
    GameEvents.produce(kafka.bootstrapServers(), topic, more);
    speedStep(pipeline);
    List<GameEvents.Event> all = new ArrayList<>(first);
    all.addAll(more);

    try (ServingLayer serving =
        ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())) {
      serving.refresh();
      List<String> beforeCatchUp = text(serving.query(PER_HOST_SQL));
      assertThat(beforeCatchUp).isEqualTo(perHost(all));
      assertThat(serving.view("per_host").orElseThrow().speedRows())
          .isEqualTo(more.stream().filter(e -> !e.malformed()).count());

      RunSummary caughtUp = new BatchLayer(spark).run(pipeline);
      assertThat(caughtUp.published()).isEqualTo(2);
      serving.refresh();

      ViewState state = serving.view("per_host").orElseThrow();
      assertThat(state.speedBatches())
          .as("speed output the new horizon covers is pruned")
          .isEmpty();
      assertThat(state.speedRows()).isZero();
      assertThat(text(serving.query(PER_HOST_SQL))).isEqualTo(beforeCatchUp);
      assertThat(text(serving.query(PURCHASES_SQL))).isEqualTo(purchases(all));

      RunSummary nothingNew = new BatchLayer(spark).run(pipeline);
      assertThat(nothingNew.published())
          .as("a run with the same horizon publishes nothing")
          .isZero();
      assertThat(serving.refresh()).isFalse();
    }
  }
}

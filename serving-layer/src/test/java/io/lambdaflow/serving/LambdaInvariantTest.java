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
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lambda contract as the serving layer shows it: speed output a new horizon covers is pruned
 * and the answer stays the same. The seeded invariant, kill and re-run, and engines identical are
 * the store contract test kit's ({@link FolderStoreContractTest}).
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

  /**
   * @param driverWriteLimit the default (the speed views' micro-batches written by the driver), or
   *     0 (written by Spark's tasks)
   */
  @ParameterizedTest(name = "speed.driver-write-limit = {0}")
  @ValueSource(ints = {100_000, 0})
  void afterStreamingStopsABatchRunServesTheSameAnswerFromTheBatchViewAlone(int driverWriteLimit)
      throws Exception {
    Random random = new Random(7);
    String topic = "game_catch_up_" + driverWriteLimit;
    kafka.createTopic(topic, 2);
    Pipeline pipeline =
        LambdaContract.pipeline(
            GameEvents.hocon(kafka.bootstrapServers(), topic, dir.resolve("store")),
            Map.of("speed.driver-write-limit", String.valueOf(driverWriteLimit)));
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

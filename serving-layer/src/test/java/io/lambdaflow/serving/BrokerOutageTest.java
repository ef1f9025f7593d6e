package io.lambdaflow.serving;

import static io.lambdaflow.serving.LambdaContract.text;
import static io.lambdaflow.testkit.GameEvents.PER_HOST_SQL;
import static io.lambdaflow.testkit.GameEvents.perHost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.speed.SupervisedPipeline;
import io.lambdaflow.testkit.GameEvents;
import io.lambdaflow.testkit.TestSpark;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stops mid-stream for 90 seconds ({@code -Dlambda.outage.seconds=N} to change) and
 * starts again: the speed layer waits it out by its restart policy, continues by itself, and the
 * served view counts every event once.
 */
class BrokerOutageTest {
  @TempDir Path dir;

  @Test
  void theSpeedLayerOutlastsABrokerOutageAndCountsEveryEventOnce() throws Exception {
    SparkSession spark = TestSpark.session();
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopic("outage", 2);
      Pipeline pipeline =
          LambdaContract.pipeline(
              GameEvents.hocon(kafka.bootstrapServers(), "outage", dir.resolve("store")),
              Map.of(
                  "speed.trigger", "500 milliseconds",
                  "speed.restart.backoff", "2 seconds",
                  "speed.restart.max-backoff", "10 seconds",
                  "speed.restart.attempts", "100"));
      Random random = new Random(21);
      List<GameEvents.Event> events = new ArrayList<>(GameEvents.events(random, 0, 200));
      GameEvents.produce(kafka.bootstrapServers(), "outage", events);

      try (SupervisedPipeline speed = new SpeedLayer(spark).run(pipeline);
          ServingLayer serving =
              ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())) {
        CompletableFuture<Void> running =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    speed.awaitTermination();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
        awaitServed(serving, events);

        kafka.pause();
        Duration outage = Duration.ofSeconds(Integer.getInteger("lambda.outage.seconds", 90));
        await("the broker stays down")
            .pollDelay(outage)
            .atMost(outage.plusSeconds(5))
            .until(() -> true);
        assertThat(running).as("the speed layer is still there, not given up").isNotDone();
        kafka.resume();

        List<GameEvents.Event> more = GameEvents.events(random, 200, 100);
        GameEvents.produce(kafka.bootstrapServers(), "outage", more);
        events.addAll(more);
        awaitServed(serving, events);
        assertThat(running).isNotDone();
      }
    }
  }

  private static void awaitServed(ServingLayer serving, List<GameEvents.Event> events) {
    List<String> expected = perHost(events);
    await("every event served once")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              serving.refresh();
              return serving.views().size() == 2
                  && text(serving.query(PER_HOST_SQL)).equals(expected);
            });
  }
}

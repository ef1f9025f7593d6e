package io.lambdaflow.serving;

import static io.lambdaflow.serving.LambdaContract.text;
import static io.lambdaflow.testkit.GameEvents.PER_HOST_SQL;
import static io.lambdaflow.testkit.GameEvents.perHost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.engine.Engine;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.speed.RunningPipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.testkit.GameEvents;
import io.lambdaflow.testkit.TestServices;
import io.lambdaflow.views.MergeSql;
import io.lambdaflow.views.ViewStore;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The serving layer's refresh when reading the view store fails part-way. */
@ExtendWith(TestServices.class)
class ViewRefreshTest {
  @TempDir Path dir;

  /**
   * A refresh that fails after it planned an aggregate view kept merged as a table (here: listing a
   * later view's speed micro-batches fails) changes nothing: the next one updates that table from
   * the speed part the engine really holds, and serves the view right.
   */
  @Test
  void aRefreshFailingPartWayLeavesTheNextOneToServeTheViewRight(
      EmbeddedKafka kafka, SparkSession spark) throws Exception {
    // per_host first, purchases after it: the failure comes once per_host was planned.
    String hocon = GameEvents.hocon(kafka.bootstrapServers(), "part_way", dir.resolve("store"));
    int purchases = hocon.indexOf("  purchases {\n");
    int perHost = hocon.indexOf("  per_host {\n");
    String block = hocon.substring(purchases, perHost);
    hocon = hocon.substring(0, purchases) + hocon.substring(perHost);
    int end = hocon.lastIndexOf("}\n");
    hocon = hocon.substring(0, end) + block + hocon.substring(end);
    Pipeline pipeline = LambdaContract.pipeline(hocon, Map.of());
    assertThat(pipeline.views().get(0).name()).isEqualTo("per_host");

    kafka.createTopic("part_way", 1);
    Random random = new Random(3);
    List<GameEvents.Event> all = new ArrayList<>(GameEvents.events(random, 0, 100));
    GameEvents.produce(kafka.bootstrapServers(), "part_way", all);
    new BatchLayer(spark).run(pipeline);
    streamMore(kafka, spark, pipeline, random, all, 100);

    AtomicBoolean failing = new AtomicBoolean();
    ViewStore real = pipeline.openStore(spark.sparkContext().hadoopConfiguration());
    ViewStore store =
        (ViewStore)
            Proxy.newProxyInstance(
                ViewStore.class.getClassLoader(),
                new Class<?>[] {ViewStore.class},
                (proxy, method, args) -> {
                  if (failing.get()
                      && method.getName().equals("speedBatches")
                      && args[0].equals("purchases")) {
                    throw new UncheckedIOException(
                        new java.io.IOException("cannot list the speed view purchases"));
                  }
                  try {
                    return method.invoke(real, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    try (ServingLayer duck =
            ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration());
        ServingCache cache =
            new ServingCache(pipeline.contract().serving().cacheDir(), real.hadoop())) {
      Engine engine = duck.engine();
      ViewRefresh refresh =
          new ViewRefresh(
              pipeline,
              store,
              engine,
              new MergeSql(engine::quote),
              cache,
              new ReentrantReadWriteLock(),
              states -> {});
      assertThat(refresh.refresh()).isTrue();
      assertThat(served(engine)).isEqualTo(perHost(all));

      streamMore(kafka, spark, pipeline, random, all, 130);
      failing.set(true);
      assertThatThrownBy(refresh::refresh)
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("cannot list the speed view purchases");

      failing.set(false);
      assertThat(refresh.refresh()).isTrue();
      assertThat(served(engine)).isEqualTo(perHost(all));
    }
  }

  private static List<String> served(Engine engine) {
    return text(engine.query(PER_HOST_SQL, List.of(), 10_000, Duration.ofSeconds(30)));
  }

  /** Produces 30 more events and streams them into the speed views. */
  private static void streamMore(
      EmbeddedKafka kafka,
      SparkSession spark,
      Pipeline pipeline,
      Random random,
      List<GameEvents.Event> all,
      long from)
      throws Exception {
    List<GameEvents.Event> more = GameEvents.events(random, from, 30);
    GameEvents.produce(kafka.bootstrapServers(), "part_way", more);
    all.addAll(more);
    try (RunningPipeline running = new SpeedLayer(spark).start(pipeline)) {
      running.awaitTermination();
    }
  }
}

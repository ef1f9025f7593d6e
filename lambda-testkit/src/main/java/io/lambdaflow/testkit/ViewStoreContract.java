package io.lambdaflow.testkit;

import static io.lambdaflow.testkit.GameEvents.PER_HOST_SQL;
import static io.lambdaflow.testkit.GameEvents.PURCHASES_SQL;
import static io.lambdaflow.testkit.GameEvents.perHost;
import static io.lambdaflow.testkit.GameEvents.purchases;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.layer.AnswersQueries;
import io.lambdaflow.layer.Layer;
import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.views.Published;
import io.lambdaflow.views.ViewStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lambda contract, as every view store must keep it: extend this class, return your store's
 * section from {@link #storeSection()}, and run it with the batch, speed and serve layers and the
 * Kafka source on the test classpath. Layers are found by name, as the command line finds them.
 *
 * <ul>
 *   <li>the seeded invariant: for any interleaving of produce steps, batch runs and speed layer
 *       progress, every served view equals the same view computed directly over every record the
 *       layers have seen, on DuckDB after each step and on Spark SQL at the end (engines give
 *       identical answers);
 *   <li>kill and re-run: a batch run killed before it published, then run again, and a speed
 *       micro-batch killed before or right after its commit, then replayed, count every record
 *       once;
 *   <li>the store's own promises: a run is published once, the latest wins, history by time.
 * </ul>
 */
@ExtendWith(TestServices.class)
public abstract class ViewStoreContract {
  private static EmbeddedKafka kafka;
  private static SparkSession spark;

  @TempDir protected Path dir;

  @BeforeAll
  static void services(EmbeddedKafka broker, SparkSession session) {
    kafka = broker;
    spark = session;
  }

  /**
   * The store's section of a pipeline file, such as {@code store = folders} or {@code store { type
   * = mine, url = ... }}; the pipeline's storage root is a fresh temporary folder.
   */
  protected abstract String storeSection();

  /** The game-events pipeline of both layers on {@code topic}, with the store under test. */
  protected Pipeline pipeline(String topic, String engine) {
    try {
      return TestPipelines.loader()
          .parse(
              GameEvents.hocon(kafka.bootstrapServers(), topic, dir.resolve("store"))
                  + storeSection()
                  + "\nspeed.restart.backoff = 100ms\n",
              "game.conf",
              Map.of("serving.engine", engine, "serving.port", "0"),
              Set.of(ExecutionMode.BATCH, ExecutionMode.STREAMING));
    } catch (ConfigurationException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  /** Runs a bounded step of layer {@code name} (batch, or speed with an available-now trigger). */
  protected static void step(String name, Pipeline pipeline) throws Exception {
    try (Layer layer = layer(name, pipeline)) {
      layer.start();
      layer.await();
    }
  }

  /** The layer named {@code name}, found as the command line finds it, not started. */
  protected static Layer layer(String name, Pipeline pipeline) {
    LayerFactory factory =
        PluginRegistry.discover(Thread.currentThread().getContextClassLoader())
            .layer(name)
            .orElseThrow(
                () -> new AssertionError("no layer named '" + name + "' on the classpath"));
    return factory.create(
        new LayerContext(
            pipeline,
            new PluginConfig(name, factory.options(), Map.of()),
            () -> spark,
            new PrintStream(PrintStream.nullOutputStream())));
  }

  /** A started serving layer of {@code pipeline}, answering in process. */
  protected static Served serve(Pipeline pipeline) throws Exception {
    Layer layer = layer("serve", pipeline);
    layer.start();
    return new Served(
        layer,
        layer
            .answers()
            .orElseThrow(() -> new AssertionError("the serve layer answers no queries")));
  }

  /** A serving layer to close after use, and what it answers. */
  protected record Served(Layer layer, AnswersQueries answers) implements AutoCloseable {
    List<String> text(String sql) {
      answers.refresh();
      return ViewStoreContract.text(answers.query(sql));
    }

    @Override
    public void close() {
      layer.close();
    }
  }

  /** A served answer as sorted rows of text, values joined by '|'. */
  public static List<String> text(QueryResult result) {
    List<String> rows = new ArrayList<>();
    for (List<Object> row : result.rows()) {
      rows.add(String.join("|", row.stream().map(String::valueOf).toList()));
    }
    rows.sort(null);
    return rows;
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {11, 23, 37, 41})
  void servedViewsEqualViewsOverEverythingSeen(long seed) throws Exception {
    Random random = new Random(seed);
    String topic = "game_" + seed;
    kafka.createTopic(topic, 2);
    Pipeline pipeline = pipeline(topic, "duckdb");
    List<GameEvents.Event> produced = new ArrayList<>();
    int seen = 0; // every step processes all that was produced before it
    List<String> steps = new ArrayList<>();
    try (Served duck = serve(pipeline)) {
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
            step("batch", pipeline);
            seen = produced.size();
            steps.add("batch");
          }
          default -> {
            step("speed", pipeline);
            seen = produced.size();
            steps.add("speed");
          }
        }
        if (seen == 0) {
          continue;
        }
        List<GameEvents.Event> visible = produced.subList(0, seen);
        String context = "seed " + seed + " after " + steps;
        assertThat(duck.text(PURCHASES_SQL)).as(context).isEqualTo(purchases(visible));
        assertThat(duck.text(PER_HOST_SQL)).as(context).isEqualTo(perHost(visible));
      }
      List<GameEvents.Event> visible = produced.subList(0, seen);
      try (Served sparkSql = serve(pipeline(topic, "spark"))) {
        assertThat(sparkSql.text(PURCHASES_SQL))
            .as("spark, seed " + seed)
            .isEqualTo(purchases(visible));
        assertThat(sparkSql.text(PER_HOST_SQL))
            .as("spark, seed " + seed)
            .isEqualTo(perHost(visible));
      }
    }
  }

  @Test
  void aBatchRunKilledBeforePublishingThenRunAgainReadsWhatItReadAndCountsEveryRecordOnce()
      throws Exception {
    kafka.createTopic("killed_batch", 2);
    FaultyStore.Faulty faulty = FaultyStore.wrap(pipeline("killed_batch", "duckdb"));
    Random random = new Random(5);
    List<GameEvents.Event> first = GameEvents.events(random, 0, 40);
    GameEvents.produce(kafka.bootstrapServers(), "killed_batch", first);
    step("batch", faulty.pipeline());
    List<GameEvents.Event> more = GameEvents.events(random, 40, 30);
    GameEvents.produce(kafka.bootstrapServers(), "killed_batch", more);

    faulty.faults().publishes.set(1);
    assertThatThrownBy(() -> step("batch", faulty.pipeline()))
        .hasMessageContaining("injected fault: killed before publishing run 2");
    try (Served served = serve(faulty.pipeline())) {
      assertThat(served.text(PER_HOST_SQL))
          .as("nothing of the killed run")
          .isEqualTo(perHost(first));
      // Records that arrive after the kill are not part of the run again: it reads up to the
      // horizon the killed run pinned, so a sink that skips a write it has (the jdbc ledger, by
      // run number) skips exactly what it wrote; the next run takes them.
      List<GameEvents.Event> late = GameEvents.events(random, 70, 20);
      GameEvents.produce(kafka.bootstrapServers(), "killed_batch", late);
      step("batch", faulty.pipeline());
      List<GameEvents.Event> all = new ArrayList<>(first);
      all.addAll(more);
      assertThat(served.text(PER_HOST_SQL)).as("run again").isEqualTo(perHost(all));
      assertThat(served.text(PURCHASES_SQL)).isEqualTo(purchases(all));
      step("batch", faulty.pipeline());
      all.addAll(late);
      assertThat(served.text(PER_HOST_SQL)).as("the next run").isEqualTo(perHost(all));
    }
  }

  @ParameterizedTest(name = "killed {0} its commit")
  @ValueSource(strings = {"before", "after"})
  void aMicroBatchKilledAtItsCommitThenReplayedCountsEveryRecordOnce(String when) throws Exception {
    String topic = "killed_speed_" + when;
    kafka.createTopic(topic, 2);
    FaultyStore.Faulty faulty = FaultyStore.wrap(pipeline(topic, "duckdb"));
    Random random = new Random(9);
    List<GameEvents.Event> first = GameEvents.events(random, 0, 40);
    GameEvents.produce(kafka.bootstrapServers(), topic, first);
    step("batch", faulty.pipeline());
    List<GameEvents.Event> more = GameEvents.events(random, 40, 30);
    GameEvents.produce(kafka.bootstrapServers(), topic, more);

    // The speed layer restarts the failed query from its checkpoint: the micro-batch is replayed
    // and committed (again, when it was killed after its commit: the store replaces it).
    AtomicInteger fault =
        when.equals("before") ? faulty.faults().commits : faulty.faults().afterCommits;
    fault.set(1);
    step("speed", faulty.pipeline());
    assertThat(fault.get()).as("the fault happened").isZero();
    List<GameEvents.Event> all = new ArrayList<>(first);
    all.addAll(more);
    try (Served served = serve(faulty.pipeline())) {
      assertThat(served.text(PER_HOST_SQL)).isEqualTo(perHost(all));
      assertThat(served.text(PURCHASES_SQL)).isEqualTo(purchases(all));
    }
  }

  @Test
  void aRunIsPublishedOnceAndTheLatestWins() {
    ViewStore store =
        pipeline("published", "duckdb").openStore(spark.sparkContext().hadoopConfiguration());
    assertThat(store.published()).isEqualTo(Published.NONE);
    Instant t1 = Instant.parse("2026-01-01T00:00:00Z");
    Published one = new Published(1, "r1", t1, Map.of(), new LinkedHashMap<>());
    Published two = new Published(2, "r2", t1.plusSeconds(60), Map.of(), new LinkedHashMap<>());
    store.publish(one);
    store.publish(two);
    assertThat(store.published().run()).isEqualTo(2);
    assertThat(store.publishedAsOf(t1.plusSeconds(30)).map(Published::run)).contains(1L);
    assertThat(store.publishedAsOf(t1.minusSeconds(1))).isEmpty();
    assertThatThrownBy(() -> store.publish(one))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("run 1 was published already");
    assertThat(store.published().run()).isEqualTo(2);
  }
}

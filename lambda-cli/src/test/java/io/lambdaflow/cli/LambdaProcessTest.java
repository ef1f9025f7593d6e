package io.lambdaflow.cli;

import static io.lambdaflow.testkit.GameEvents.PER_HOST_SQL;
import static io.lambdaflow.testkit.GameEvents.PURCHASES_SQL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.serving.ServingLayer;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.testkit.GameEvents;
import io.lambdaflow.testkit.TestPipelines;
import io.lambdaflow.testkit.TestServices;
import io.lambdaflow.testkit.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lambda contract with real processes killed mid-run: a batch run killed with SIGKILL after it
 * appended to the master dataset and before it published, then run again; a speed layer killed with
 * SIGKILL between micro-batches, then restarted. Served views equal the views over every record
 * throughout.
 */
@ExtendWith(TestServices.class)
class LambdaProcessTest {
  private static EmbeddedKafka kafka;

  @TempDir Path dir;

  @BeforeAll
  static void broker(EmbeddedKafka broker) {
    kafka = broker;
    TestSpark.session();
  }

  private Process lambda(String... args) throws Exception {
    return LambdaProcesses.start(dir, args);
  }

  private static List<String> text(QueryResult result) {
    List<String> rows = new ArrayList<>();
    for (List<Object> row : result.rows()) {
      rows.add(String.join("|", row.stream().map(String::valueOf).toList()));
    }
    rows.sort(null);
    return rows;
  }

  private static boolean exists(Path path) {
    return Files.exists(path);
  }

  private static boolean anySpeedBatch(Path speedView) throws Exception {
    if (!Files.isDirectory(speedView)) {
      return false;
    }
    try (Stream<Path> batches = Files.list(speedView)) {
      return batches.anyMatch(p -> p.getFileName().toString().startsWith("batch="));
    }
  }

  @Test
  void killedBatchRunsAndSpeedLayersServeEveryRecordOnce() throws Exception {
    String topic = "killed";
    kafka.createTopic(topic, 2);
    Path store = dir.resolve("store");
    String hocon =
        GameEvents.hocon(kafka.bootstrapServers(), topic, store)
            .replace("speed.trigger = available-now", "speed.trigger = \"300 milliseconds\"")
            .replace("  required = [n]\n", "  required = [n]\n  max-offsets-per-trigger = 40\n");
    Files.writeString(dir.resolve("game.conf"), hocon);
    Pipeline pipeline;
    try {
      pipeline =
          TestPipelines.loader()
              .parse(
                  hocon,
                  "game.conf",
                  Map.of(),
                  Set.of(ExecutionMode.BATCH, ExecutionMode.STREAMING));
    } catch (ConfigurationException e) {
      throw new AssertionError(e.getMessage(), e);
    }
    Random random = new Random(17);
    List<GameEvents.Event> produced = new ArrayList<>(GameEvents.events(random, 0, 400));
    GameEvents.produce(kafka.bootstrapServers(), topic, produced);

    // A batch run killed after appending to the master dataset, before publishing.
    Path masterRun = store.resolve("master/game/events/_lambda_run=1");
    Path published = store.resolve("state/game/published/1.json");
    Process batch = lambda("batch", "game.conf");
    await("the batch run appends to the master dataset")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> exists(masterRun) || !batch.isAlive());
    batch.destroyForcibly();
    assertThat(batch.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assertThat(published).as("killed before it published").doesNotExist();

    // Run again: it replaces what the killed run left and publishes run 1.
    Process rerun = lambda("batch", "game.conf");
    assertThat(rerun.waitFor(3, TimeUnit.MINUTES)).isTrue();
    assertThat(rerun.exitValue()).isZero();
    assertThat(published).exists();

    try (ServingLayer serving = ServingLayer.withDuckDb(pipeline, new Configuration())) {
      serving.refresh();
      assertThat(text(serving.query(PER_HOST_SQL))).isEqualTo(GameEvents.perHost(produced));

      // The speed layer, killed between micro-batches and restarted.
      List<GameEvents.Event> more = GameEvents.events(random, 400, 400);
      GameEvents.produce(kafka.bootstrapServers(), topic, more);
      produced.addAll(more);
      Process speed = lambda("speed", "game.conf");
      Path speedView = store.resolve("speed/game/per_host");
      await("the speed layer writes some micro-batches")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> anySpeedBatch(speedView));
      speed.destroyForcibly();
      assertThat(speed.waitFor(1, TimeUnit.MINUTES)).isTrue();
      serving.refresh();
      assertThat(serving.view("per_host").orElseThrow().speedRows())
          .as("killed part-way through the new records")
          .isLessThan(more.size());

      Process restarted = lambda("speed", "game.conf");
      try {
        // Each view commits a micro-batch on its own (they are written at once), so one view may
        // show a micro-batch a moment before the other: both are awaited.
        await("the restarted speed layer catches up")
            .atMost(Duration.ofMinutes(3))
            .pollInterval(Duration.ofMillis(500))
            .untilAsserted(
                () -> {
                  serving.refresh();
                  assertThat(text(serving.query(PER_HOST_SQL)))
                      .isEqualTo(GameEvents.perHost(produced));
                  assertThat(text(serving.query(PURCHASES_SQL)))
                      .isEqualTo(GameEvents.purchases(produced));
                });

        // A batch run while the speed layer runs: the answer does not change.
        Process second = lambda("batch", "game.conf");
        assertThat(second.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(second.exitValue()).isZero();
        serving.refresh();
        assertThat(serving.view("per_host").orElseThrow().published().run()).isEqualTo(2);
        assertThat(text(serving.query(PER_HOST_SQL))).isEqualTo(GameEvents.perHost(produced));
        assertThat(text(serving.query(PURCHASES_SQL))).isEqualTo(GameEvents.purchases(produced));
      } finally {
        restarted.destroy();
        assertThat(restarted.waitFor(2, TimeUnit.MINUTES)).as("stops on SIGTERM").isTrue();
      }
    }

    // lambda serve, as a user runs it, answers over HTTP.
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Process serve = lambda("serve", "game.conf", "--port", String.valueOf(port));
    try {
      String host = GameEvents.HOSTS[0];
      long expected =
          produced.stream().filter(e -> !e.malformed() && e.host().equals(host)).count();
      java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
      await("lambda serve answers")
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                String body =
                    client
                        .send(
                            java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create(
                                        "http://127.0.0.1:"
                                            + port
                                            + "/query?sql="
                                            + java.net.URLEncoder.encode(
                                                "SELECT SUM(events) AS n FROM per_host WHERE host = '"
                                                    + host
                                                    + "'",
                                                java.nio.charset.StandardCharsets.UTF_8)))
                                .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString())
                        .body();
                assertThat(body).contains("\"n\":" + expected + "}");
              });
    } finally {
      serve.destroy();
      assertThat(serve.waitFor(1, TimeUnit.MINUTES)).as("stops on SIGTERM").isTrue();
    }
  }
}

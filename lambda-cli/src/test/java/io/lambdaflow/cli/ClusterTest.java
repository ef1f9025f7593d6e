package io.lambdaflow.cli;

import static io.lambdaflow.cli.LauncherTest.lambda;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.lambdaflow.Lambdaflow;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.embedded.EmbeddedSparkCluster;
import io.lambdaflow.layer.AnswersQueries;
import io.lambdaflow.layer.Layer;
import io.lambdaflow.testkit.GameEvents;
import io.lambdaflow.testkit.TestServices;
import io.lambdaflow.testkit.TestSpark;
import io.lambdaflow.testkit.ViewStoreContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The game-events pipeline on a real Spark standalone cluster (a master and two workers, each a JVM
 * of Spark's own jars, executors in JVMs of their own), packaged by {@code lambda package} and
 * submitted by {@code lambda submit}: the batch layer's views equal local mode's, and the speed
 * layer loses and repeats nothing when an executor is killed mid-stream.
 */
@ExtendWith(TestServices.class)
class ClusterTest {
  private static EmbeddedKafka kafka;
  private static EmbeddedSparkCluster cluster;

  @TempDir Path dir;

  @BeforeAll
  static void start(EmbeddedKafka broker) {
    kafka = broker;
    TestSpark.session();
    cluster = EmbeddedSparkCluster.start(0, 2, 1, "1g", Lambdaflow.jvmFlags());
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void batchAndSpeedOnAStandaloneClusterAsInLocalModeThroughAnExecutorKill() throws Exception {
    kafka.createTopic("cluster", 2);
    Random random = new Random(7);
    List<GameEvents.Event> events = new ArrayList<>(GameEvents.events(random, 0, 400));
    GameEvents.produce(kafka.bootstrapServers(), "cluster", events);
    Path conf = dir.resolve("game.conf");
    Files.writeString(
        conf,
        GameEvents.hocon(kafka.bootstrapServers(), "cluster", dir.resolve("on-cluster")),
        StandardCharsets.UTF_8);

    Path app = dir.resolve("game-app.jar");
    LauncherTest.Result packed = lambda("package", conf.toString(), "--out", app.toString());
    assertThat(packed.status()).as(packed.err()).isZero();
    assertThat(services(app, "io.lambdaflow.spi.SourceFactory"))
        .contains("io.lambdaflow.kafka.KafkaSourceFactory", "io.lambdaflow.jdbc.JdbcSourceFactory");
    assertThat(services(app, "io.lambdaflow.layer.LayerFactory"))
        .containsExactlyInAnyOrder(
            "io.lambdaflow.batch.BatchLayerFactory",
            "io.lambdaflow.batch.schedule.ScheduleLayerFactory",
            "io.lambdaflow.batch.ReplayLayerFactory",
            "io.lambdaflow.speed.SpeedLayerFactory");
    try (JarFile jar = new JarFile(app.toFile())) {
      assertThat(jar.getEntry("io/lambdaflow/shaded/com/google/common/collect/ImmutableList.class"))
          .as("Guava relocated")
          .isNotNull();
      assertThat(jar.getEntry("com/google/common/collect/ImmutableList.class")).isNull();
      assertThat(jar.getEntry("org/apache/spark/sql/Dataset.class")).as("Spark left out").isNull();
    }

    LauncherTest.Result batch =
        assertTimeoutPreemptively(
            Duration.ofMinutes(5),
            () ->
                lambda(
                    "submit", app.toString(), "--master", cluster.masterUrl(), "--layer", "batch"));
    assertThat(batch.status()).as("batch on the cluster: " + batch.out() + batch.err()).isZero();
    LauncherTest.Result local =
        lambda("batch", conf.toString(), "-Dstorage-root=" + dir.resolve("local"));
    assertThat(local.status()).as(local.err()).isZero();
    assertThat(served(conf, dir.resolve("on-cluster"), GameEvents.PER_HOST_SQL))
        .isEqualTo(served(conf, dir.resolve("local"), GameEvents.PER_HOST_SQL))
        .isEqualTo(GameEvents.perHost(events));
    assertThat(served(conf, dir.resolve("on-cluster"), GameEvents.PURCHASES_SQL))
        .isEqualTo(GameEvents.purchases(events));

    Process speed =
        LambdaProcesses.start(
            dir,
            "submit",
            app.toString(),
            "--master",
            cluster.masterUrl(),
            "--layer",
            "speed",
            "-Dspeed.trigger=1 second");
    try {
      List<GameEvents.Event> more = GameEvents.events(random, 400, 200);
      GameEvents.produce(kafka.bootstrapServers(), "cluster", more);
      events.addAll(more);
      await("the speed layer's first micro-batches on the cluster")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () ->
                  served(conf, dir.resolve("on-cluster"), GameEvents.PURCHASES_SQL).size()
                      > GameEvents.purchases(events.subList(0, 400)).size());
      List<ProcessHandle> executors = cluster.executors();
      assertThat(executors).as("executors of the speed layer").isNotEmpty();
      executors.get(0).destroyForcibly(); // SIGKILL: the worker sees its executor die
      more = GameEvents.events(random, 600, 200);
      GameEvents.produce(kafka.bootstrapServers(), "cluster", more);
      events.addAll(more);
      await("every event served once, after the executor was killed")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(1))
          .until( // each view commits a micro-batch on its own: both are awaited
              () ->
                  served(conf, dir.resolve("on-cluster"), GameEvents.PER_HOST_SQL)
                          .equals(GameEvents.perHost(events))
                      && served(conf, dir.resolve("on-cluster"), GameEvents.PURCHASES_SQL)
                          .equals(GameEvents.purchases(events)));
    } finally {
      speed.destroy(); // SIGTERM: lambda submit stops spark-submit, which stops the layer
      if (!speed.waitFor(2, TimeUnit.MINUTES)) {
        speed.descendants().forEach(ProcessHandle::destroyForcibly);
        speed.destroyForcibly();
      }
    }
    assertThat(speed.exitValue()).as("stopped cleanly on SIGTERM").isZero();
  }

  /** The providers a service file of {@code jar} lists. */
  private static List<String> services(Path jar, String service) throws Exception {
    try (JarFile file = new JarFile(jar.toFile())) {
      return List.of(
          new String(
                  file.getInputStream(file.getEntry("META-INF/services/" + service)).readAllBytes(),
                  StandardCharsets.UTF_8)
              .strip()
              .split("\n"));
    }
  }

  /** {@code sql} over the views served from {@code storage}, as sorted rows of text. */
  private static List<String> served(Path conf, Path storage, String sql) throws Exception {
    try (Lambdaflow lambda = Lambdaflow.create();
        Layer serve =
            lambda.start(
                "serve",
                lambda.load(
                    conf, Map.of("storage-root", storage.toString(), "serving.port", "0")))) {
      AnswersQueries answers = serve.answers().orElseThrow();
      answers.refresh();
      return ViewStoreContract.text(answers.query(sql));
    }
  }
}

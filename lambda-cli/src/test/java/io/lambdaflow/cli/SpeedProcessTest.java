package io.lambdaflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.testkit.TestKafka;
import io.lambdaflow.testkit.TestServices;
import io.lambdaflow.testkit.TestSpark;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The speed layer as its own process: killed with SIGKILL and restarted, it loses and repeats
 * nothing.
 */
@ExtendWith(TestServices.class)
class SpeedProcessTest {
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

  private static void produce(String topic, int from, int to) {
    TestKafka.produce(
        kafka.bootstrapServers(),
        topic,
        TestKafka.records(from, to - from, i -> "{\"id\":" + i + ",\"kind\":\"" + (i % 3) + "\"}"));
  }

  private Dataset<Row> output() {
    // Spark's file sink commits through _spark_metadata; reading the directory honours it.
    return TestSpark.session()
        .read()
        .schema("id INT, kind STRING")
        .json(dir.resolve("out").toString());
  }

  private long committed() {
    return Files.exists(dir.resolve("out/_spark_metadata")) ? output().count() : 0;
  }

  @Test
  void sigkillMidStreamThenRestartLosesAndRepeatsNothing() throws Exception {
    kafka.createTopic("stream", 2);
    produce("stream", 0, 3000);
    Files.writeString(
        dir.resolve("stream.conf"),
        """
        layers = [speed]
        storage-root = root
        sources {
          events {
            type = kafka
            bootstrap-servers = "%s"
            topic = stream
            value-format = json
            schema = "id INT, kind STRING"
            columns = []
            max-offsets-per-trigger = 200
          }
        }
        sinks { out { type = files, format = json, path = out } }
        speed.trigger = "500 milliseconds"
        """
            .formatted(kafka.bootstrapServers()));

    Process first = lambda("speed", "stream.conf");
    awaitLogged(first, "query stream.out, micro-batch 2: ");
    first.destroyForcibly(); // SIGKILL: no shutdown hook runs
    assertThat(first.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assertThat(committed()).as("killed mid-stream").isBetween(1L, 2999L);

    produce("stream", 3000, 4000);
    Process second = lambda("speed", "stream.conf");
    try {
      awaitCommitted(second, 4000);
    } finally {
      second.destroy(); // SIGTERM: stops after the current micro-batch
      assertThat(second.waitFor(2, TimeUnit.MINUTES)).as("stops on SIGTERM").isTrue();
    }
    Dataset<Row> rows = output();
    assertThat(rows.count()).isEqualTo(4000);
    assertThat(rows.select("id").distinct().count()).isEqualTo(4000);
    assertThat(
            rows.agg(
                    org.apache.spark.sql.functions.min("id"),
                    org.apache.spark.sql.functions.max("id"))
                .first()
                .toString())
        .isEqualTo("[0,3999]");
  }

  @Test
  void sigtermDuringAMicroBatchStopsAfterItQuietlyAndLosesNothing() throws Exception {
    kafka.createTopic("term", 2);
    produce("term", 0, 6000);
    Files.writeString(
        dir.resolve("term.conf"),
        """
        layers = [speed]
        storage-root = root
        sources {
          events {
            type = kafka
            bootstrap-servers = "%s"
            topic = term
            value-format = json
            schema = "id INT, kind STRING"
            columns = []
            max-offsets-per-trigger = 300
          }
        }
        sinks { out { type = files, format = json, path = out } }
        speed.trigger = "100 milliseconds"
        """
            .formatted(kafka.bootstrapServers()));

    Process first = lambda("speed", "term.conf");
    awaitLogged(first, "query term.out, micro-batch 2: ");
    first.destroy(); // SIGTERM while the next micro-batch runs
    assertThat(first.waitFor(2, TimeUnit.MINUTES)).as("stops on SIGTERM").isTrue();
    String log = lastLog();
    assertThat(first.exitValue()).as(log).isZero();
    assertThat(log)
        .as("no stack trace and no aborted job")
        .doesNotContain("\tat ")
        .doesNotContain("Exception")
        .doesNotContain("Aborting")
        .contains("speed layer of 'term' stopped");
    assertThat(committed()).as("stopped mid-stream").isBetween(1L, 5999L);

    produce("term", 6000, 7000);
    Process second = lambda("speed", "term.conf");
    try {
      awaitCommitted(second, 7000);
    } finally {
      second.destroy();
      assertThat(second.waitFor(2, TimeUnit.MINUTES)).isTrue();
    }
    Dataset<Row> rows = output();
    assertThat(rows.count()).isEqualTo(7000);
    assertThat(rows.select("id").distinct().count()).isEqualTo(7000);
  }

  /**
   * Waits until {@code process} logs {@code line}: it is seen at once, where reading the output
   * through Spark in this JVM takes seconds on two busy cores, by which time a fast speed layer may
   * have written everything (the tests stop it mid-stream).
   */
  private void awaitLogged(Process process, String line) throws Exception {
    try {
      await("micro-batches running back to back")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> !process.isAlive() || lastLog().contains(line));
    } catch (ConditionTimeoutException e) {
      throw failure("'" + line + "' not logged", process, e);
    }
    if (!process.isAlive()) {
      throw failure("'" + line + "' not logged", process, null);
    }
  }

  /**
   * Waits until {@code records} are committed after a restart; when they are not, fails with what
   * was committed, whether {@code process} still runs, and the end of its output.
   */
  private void awaitCommitted(Process process, long records) throws Exception {
    try {
      await("everything after the restart")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> !process.isAlive() || committed() >= records);
    } catch (ConditionTimeoutException e) {
      throw failure(committedWithin() + " of " + records + " records committed", process, e);
    }
    long committed = committed();
    if (committed < records) {
      throw failure(committed + " of " + records + " records committed", process, null);
    }
  }

  /**
   * What {@link #committed()} says within 30 s, or that it did not say: after an await timed out,
   * perhaps on a read of the output that never ended.
   */
  private String committedWithin() {
    java.util.concurrent.CompletableFuture<Long> count =
        java.util.concurrent.CompletableFuture.supplyAsync(this::committed);
    try {
      return String.valueOf(count.get(30, TimeUnit.SECONDS));
    } catch (Exception e) {
      count.cancel(true);
      return "(reading the output gave no count within 30 s: " + e + ")";
    }
  }

  /**
   * A failure naming what is missing, whether {@code process} still runs, the files of the sink's
   * checkpoint and commit log (how far the process got), and the end of its output.
   */
  private AssertionError failure(String what, Process process, Throwable cause) throws Exception {
    String log = lastLog();
    StringBuilder logs = new StringBuilder();
    for (String folder :
        List.of(
            "root/checkpoints/out/offsets",
            "root/checkpoints/out/commits",
            "out/_spark_metadata")) {
      if (Files.isDirectory(dir.resolve(folder))) {
        try (var files = Files.list(dir.resolve(folder))) {
          logs.append(folder)
              .append(": ")
              .append(files.map(f -> f.getFileName().toString()).sorted().toList())
              .append('\n');
        }
      }
    }
    return new AssertionError(
        what
            + "; the process "
            + (process.isAlive() ? "still runs" : "exited with " + process.exitValue())
            + "\n"
            + logs
            + "the end of its output:\n"
            + log.substring(Math.max(0, log.length() - 12_000)),
        cause);
  }

  /** When the process of log {@code lambda-<System.nanoTime()>.log} started. */
  private static long started(Path log) {
    String name = log.getFileName().toString();
    return Long.parseLong(name.substring("lambda-".length(), name.length() - ".log".length()));
  }

  /** The output of the newest lambda process started in the test's folder. */
  private String lastLog() throws Exception {
    try (var logs = Files.list(dir)) {
      Path newest =
          logs.filter(p -> p.getFileName().toString().matches("lambda--?\\d+\\.log"))
              .max(java.util.Comparator.comparingLong(SpeedProcessTest::started))
              .orElseThrow();
      return Files.readString(newest);
    }
  }

  @Test
  void produceSendsEachLineOfStandardInput() {
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    int status =
        new Launcher(
                new java.io.ByteArrayInputStream(
                    "one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8)),
                new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
                new java.io.PrintStream(err, true, StandardCharsets.UTF_8))
            .run(
                new String[] {
                  "produce", "--topic", "typed", "--bootstrap", kafka.bootstrapServers()
                });
    assertThat(status).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("created topic 'typed' with 1 partition(s)")
        .contains("produced 3 record(s) to topic 'typed' at " + kafka.bootstrapServers());
    List<String> values =
        TestSpark.session()
            .read()
            .format("kafka")
            .option("kafka.bootstrap.servers", kafka.bootstrapServers())
            .option("subscribe", "typed")
            .load()
            .selectExpr("CAST(value AS STRING)")
            .collectAsList()
            .stream()
            .map(r -> r.getString(0))
            .toList();
    assertThat(values).containsExactly("one", "two", "three");
  }

  @Test
  void recordsFromKcatReachTheOutput() throws Exception {
    Assumptions.assumeTrue(
        new File("/usr/bin/kcat").canExecute() || new File("/usr/local/bin/kcat").canExecute(),
        "kcat is not installed (apt-get install kcat); .ci/run installs it");
    kafka.createTopic("kcat", 1);
    Process kcat =
        new ProcessBuilder("kcat", "-P", "-b", kafka.bootstrapServers(), "-t", "kcat")
            .redirectErrorStream(true)
            .start();
    kcat.getOutputStream()
        .write(
            "{\"id\":1,\"kind\":\"a\"}\n{\"id\":2,\"kind\":\"b\"}\n"
                .getBytes(StandardCharsets.UTF_8));
    kcat.getOutputStream().close();
    assertThat(kcat.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assertThat(kcat.exitValue())
        .as(new String(kcat.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .isZero();
    Files.writeString(
        dir.resolve("kcat.conf"),
        """
        layers = [batch, speed]
        storage-root = root
        sources {
          events {
            type = kafka, bootstrap-servers = "%s", topic = kcat
            value-format = json, schema = "id INT, kind STRING", columns = []
          }
        }
        sinks { out { type = files, format = json, path = out } }
        speed.trigger = available-now
        """
            .formatted(kafka.bootstrapServers()));

    Process speed = lambda("speed", "kcat.conf");
    assertThat(speed.waitFor(3, TimeUnit.MINUTES)).isTrue();
    assertThat(speed.exitValue()).isZero();
    assertThat(output().orderBy("id").collectAsList())
        .extracting(Row::toString)
        .containsExactly("[1,a]", "[2,b]");
  }
}

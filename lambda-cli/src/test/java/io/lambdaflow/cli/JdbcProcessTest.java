package io.lambdaflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.embedded.EmbeddedPostgres;
import io.lambdaflow.testkit.TestKafka;
import io.lambdaflow.testkit.TestServices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jdbc sink's exactly-once promise with the layers as their own processes, killed with SIGKILL:
 * the speed layer ten times at random points of its progress (staging, merging, checkpointing) and
 * restarted each time, a batch run right after its merge committed; the table then holds every
 * record exactly once.
 */
@ExtendWith(TestServices.class)
class JdbcProcessTest {
  private static final int RECORDS = 6_000; // ten kills take at most 10 x 3 x 150

  private static EmbeddedKafka kafka;
  private static EmbeddedPostgres postgres;

  @TempDir Path dir;

  @BeforeAll
  static void services(EmbeddedKafka broker, EmbeddedPostgres server) {
    kafka = broker;
    postgres = server;
  }

  private static long query(String sql) throws SQLException {
    try (Connection connection = postgres.connect("postgres");
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      result.next();
      return result.getLong(1);
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        return 0; // the sink has not created its table yet
      }
      throw e;
    }
  }

  private static long batches() throws SQLException {
    return query("SELECT count(*) FROM lambda_ledger WHERE batch_id NOT LIKE 'run-%'");
  }

  /** Batch runs of the lambda contract merged ({@code run-N}); the streaming test's are numbers. */
  private static long runsMerged() throws SQLException {
    return query("SELECT count(*) FROM lambda_ledger WHERE batch_id LIKE 'run-%'");
  }

  @Test
  void sigkilledTenTimesWhileStreamingTheTableHoldsEveryRecordOnce() throws Exception {
    kafka.createTopic("payments", 2);
    TestKafka.produce(
        kafka.bootstrapServers(),
        "payments",
        TestKafka.records(0, RECORDS, i -> "{\"id\":" + i + ",\"amount\":" + i % 97 + "}"));
    Files.writeString(
        dir.resolve("payments.conf"),
        """
        layers = [speed]
        storage-root = root
        sources {
          payments {
            type = kafka
            bootstrap-servers = "%s"
            topic = payments
            value-format = json
            schema = "id BIGINT, amount BIGINT"
            max-offsets-per-trigger = 150
          }
        }
        sinks { out { type = jdbc, url = "%s", table = payments } }
        speed.trigger = "100 milliseconds"
        """
            .formatted(kafka.bootstrapServers(), postgres.jdbcUrl("postgres")));

    Random random = new Random(42);
    for (int kill = 0; kill < 10; kill++) {
      long before = batches();
      int more = 1 + random.nextInt(3);
      Process speed = LambdaProcesses.start(dir, "speed", "payments.conf");
      await("kill " + (kill + 1) + ": " + more + " more micro-batch(es) merged")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> batches() >= before + more || !speed.isAlive());
      assertThat(speed.isAlive()).as("still streaming before kill " + (kill + 1)).isTrue();
      speed.destroyForcibly(); // SIGKILL: mid-stage, mid-merge or mid-checkpoint
      assertThat(speed.waitFor(1, TimeUnit.MINUTES)).isTrue();
    }
    assertThat(query("SELECT count(*) FROM payments")).as("killed mid-stream").isLessThan(RECORDS);

    Process last = LambdaProcesses.start(dir, "speed", "payments.conf");
    try {
      await("every record")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> query("SELECT count(*) FROM payments") >= RECORDS);
    } finally {
      last.destroy(); // SIGTERM: stops after the current micro-batch
      assertThat(last.waitFor(2, TimeUnit.MINUTES)).as("stops on SIGTERM").isTrue();
    }
    assertThat(query("SELECT count(*) FROM payments")).isEqualTo(RECORDS);
    assertThat(query("SELECT count(DISTINCT id) FROM payments")).isEqualTo(RECORDS);
    long expected = 0;
    for (int i = 0; i < RECORDS; i++) {
      expected += i % 97;
    }
    assertThat(query("SELECT sum(amount) FROM payments")).isEqualTo(expected);
  }

  /**
   * A batch run of the lambda contract SIGKILLed right after its merge committed (before it
   * published its views), then run again after more records arrived: the table holds what one run
   * would have written, each record once (the late records wait for the next run, as
   * ViewStoreContract checks). A kill before the merge commits leaves nothing in the table; the
   * speed-layer test kills at such points.
   */
  @Test
  void aBatchRunKilledAndRunAgainLeavesTheTableAsOneRunWould() throws Exception {
    int first = 20_000;
    int late = 1_000;
    kafka.createTopic("orders", 2);
    TestKafka.produce(
        kafka.bootstrapServers(),
        "orders",
        TestKafka.records(0, first, i -> "{\"id\":" + i + ",\"amount\":" + i % 89 + "}"));
    Files.writeString(
        dir.resolve("orders.conf"),
        """
        layers = [batch]
        storage-root = root
        sources {
          orders {
            type = kafka
            bootstrap-servers = "%s"
            topic = orders
            value-format = json
            schema = "id BIGINT, amount BIGINT"
          }
        }
        sinks { out { type = jdbc, url = "%s", table = orders } }
        views {
          per_amount { type = aggregate, group-by = [amount], measures { orders = count } }
        }
        metastore.enabled = false
        """
            .formatted(kafka.bootstrapServers(), postgres.jdbcUrl("postgres")));

    Process merged = LambdaProcesses.start(dir, "batch", "orders.conf");
    await("run 1 merged")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> runsMerged() > 0 || !merged.isAlive());
    kill(merged, "after its merge");
    assertThat(published()).as("killed before it published").isEmpty();
    assertThat(query("SELECT count(*) FROM orders")).isEqualTo(first);

    TestKafka.produce(
        kafka.bootstrapServers(),
        "orders",
        TestKafka.records(first, late, i -> "{\"id\":" + i + ",\"amount\":" + i % 89 + "}"));
    runToTheEnd();
    assertThat(query("SELECT count(*) FROM orders")).as("run 1 again").isEqualTo(first);
    assertThat(query("SELECT count(DISTINCT id) FROM orders")).isEqualTo(first);
    assertThat(query("SELECT sum(amount) FROM orders")).isEqualTo(amounts(0, first));
    assertThat(query("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'lambda_stage_%'"))
        .as("no staging table left")
        .isZero();
  }

  /** The view store's published states under the storage root. */
  private List<Path> published() throws IOException {
    Path state = dir.resolve("root/state");
    if (!Files.exists(state)) {
      return List.of();
    }
    try (Stream<Path> paths = Files.walk(state)) {
      return paths.filter(p -> p.getFileName().toString().startsWith("published")).toList();
    }
  }

  private static void kill(Process process, String when) throws InterruptedException {
    assertThat(process.isAlive()).as("still running, to be killed " + when).isTrue();
    process.destroyForcibly();
    assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
  }

  private void runToTheEnd() throws Exception {
    Process run = LambdaProcesses.start(dir, "batch", "orders.conf");
    assertThat(run.waitFor(3, TimeUnit.MINUTES)).as("a batch run ends").isTrue();
    assertThat(run.exitValue()).as("exit status").isZero();
  }

  private static long amounts(int from, int count) {
    long sum = 0;
    for (int i = from; i < from + count; i++) {
      sum += i % 89;
    }
    return sum;
  }
}

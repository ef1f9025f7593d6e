package io.lambdaflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.embedded.EmbeddedPostgres;
import io.lambdaflow.testkit.TestKafka;
import io.lambdaflow.testkit.TestServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The speed layer streaming into PostgreSQL as its own process, killed with SIGKILL ten times at
 * random points of its progress (staging, merging, checkpointing) and restarted each time: the
 * table then holds every record exactly once.
 */
@ExtendWith(TestServices.class)
class JdbcProcessTest {
  private static final int RECORDS = 12_000;

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
    return query("SELECT count(*) FROM lambda_ledger");
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
}

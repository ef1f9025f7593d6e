package io.lambdaflow.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.embedded.EmbeddedPostgres;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.speed.RunningPipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.speed.SupervisedPipeline;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.testkit.TestKafka;
import io.lambdaflow.testkit.TestPipelines;
import io.lambdaflow.testkit.TestServices;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database refuses every connection mid-stream and comes back: the speed layer's queries fail,
 * it starts them again by its restart policy (failing to start while the database is out), and once
 * the database is back it resumes with no record lost and none written twice.
 */
@ExtendWith(TestServices.class)
class DatabaseOutageTest {
  private static EmbeddedKafka kafka;
  private static EmbeddedPostgres postgres;
  private static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start(EmbeddedKafka broker, EmbeddedPostgres server, SparkSession session) {
    kafka = broker;
    postgres = server;
    spark = session;
  }

  private static void produce(int from, int to) {
    TestKafka.produce(
        kafka.bootstrapServers(),
        "outage",
        TestKafka.records(from, to - from, i -> "{\"id\":" + i + "}"));
  }

  /** Runs on the server's own database, which the outage leaves alone. */
  private static long admin(String sql) throws SQLException {
    try (Connection connection = postgres.connect("postgres");
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      return result.next() ? result.getLong(1) : 0;
    }
  }

  private static long rows() throws SQLException {
    try (Connection connection = postgres.connect("outage");
        Statement statement = connection.createStatement();
        ResultSet result =
            statement.executeQuery("SELECT count(*) * 1000000 + count(DISTINCT id) FROM events")) {
      result.next();
      return result.getLong(1);
    }
  }

  @Test
  void theSpeedLayerOutlastsADatabaseOutageAndWritesEveryRecordOnce() throws Exception {
    kafka.createTopic("outage", 2);
    postgres.createDatabase("outage");
    Pipeline pipeline =
        TestPipelines.loader()
            .parse(
                "name = outage\nlayers = [speed]\nstorage-root = \""
                    + dir
                    + "\"\nspeed { trigger = \"300 milliseconds\", restart { attempts = 100,"
                    + " backoff = 1 second, max-backoff = 2 seconds } }\n"
                    + "sources { events { type = kafka, bootstrap-servers = \""
                    + kafka.bootstrapServers()
                    + "\", topic = outage, value-format = json, schema = \"id BIGINT\" } }\n"
                    + "sinks { out { type = jdbc, url = \""
                    + postgres.jdbcUrl("outage")
                    + "\", table = events } }\n",
                "outage.conf",
                Map.of(),
                Set.of(ExecutionMode.STREAMING));
    produce(0, 300);
    try (SupervisedPipeline speed = new SpeedLayer(spark).run(pipeline)) {
      await("the first records").atMost(Duration.ofMinutes(2)).until(() -> rows() == 300_000_300L);
      RunningPipeline before = speed.current();

      admin("SELECT 1 FROM (SELECT 1) x WHERE false"); // the admin connection works
      try (Connection connection = postgres.connect("postgres");
          Statement statement = connection.createStatement()) {
        statement.execute("ALTER DATABASE outage ALLOW_CONNECTIONS false");
        statement.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'outage'");
      }
      produce(300, 500);
      await("the queries fail while the database is out")
          .atMost(Duration.ofMinutes(1))
          .until(() -> before.queries().stream().noneMatch(q -> q.isActive()));
      assertThat(speed.isActive()).as("the speed layer waits to start again").isTrue();
      try (Connection connection = postgres.connect("postgres");
          Statement statement = connection.createStatement()) {
        statement.execute("ALTER DATABASE outage ALLOW_CONNECTIONS true");
      }
      produce(500, 600);
      await("every record once, after the outage")
          .atMost(Duration.ofMinutes(2))
          .until(() -> rows() == 600_000_600L);
      assertThat(speed.current()).as("started again").isNotSameAs(before);
      assertThat(speed.isActive()).isTrue();
    }
    assertThat(rows()).isEqualTo(600_000_600L);
  }
}

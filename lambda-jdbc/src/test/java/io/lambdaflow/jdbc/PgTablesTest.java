package io.lambdaflow.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.embedded.EmbeddedPostgres;
import io.lambdaflow.testkit.TestServices;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Tables and the ledger in PostgreSQL, made by sinks that start at the same moment. */
@ExtendWith(TestServices.class)
class PgTablesTest {
  private static final StructType SCHEMA =
      new StructType().add("id", DataTypes.LongType, false).add("host", DataTypes.StringType);
  private static EmbeddedPostgres postgres;

  @BeforeAll
  static void start(EmbeddedPostgres server) {
    postgres = server;
  }

  /**
   * Sinks of one schema share its ledger, and two sinks may write one table (a batch and a speed
   * sink): started together in a new schema, they all create what is missing, none fails on another
   * creating it at the same moment (PostgreSQL's {@code CREATE TABLE IF NOT EXISTS} is not safe
   * against a concurrent one: SQLSTATE 23505 or 42P07).
   */
  @Test
  void sinksStartingTogetherInANewSchemaAllPrepareTheirTables() throws Exception {
    int sinks = 6;
    ExecutorService pool = Executors.newFixedThreadPool(sinks);
    try {
      for (int round = 0; round < 8; round++) {
        String schema = "together_" + round;
        try (Connection connection = postgres.connect("postgres");
            Statement statement = connection.createStatement()) {
          statement.execute("CREATE SCHEMA " + schema);
        }
        CyclicBarrier start = new CyclicBarrier(sinks);
        List<Future<?>> prepared = new ArrayList<>();
        for (int sink = 0; sink < sinks; sink++) {
          // Sinks 0 and 1 write one table, as do 2 and 3.
          JdbcTarget target =
              new JdbcTarget(
                  postgres.jdbcUrl("postgres"),
                  "",
                  "",
                  schema + ".t" + (sink < 4 ? sink / 2 : sink),
                  "sink" + sink,
                  "append",
                  List.of());
          prepared.add(
              pool.submit(
                  () -> {
                    start.await(1, TimeUnit.MINUTES);
                    PgTables.prepare(target, SCHEMA, true);
                    return null;
                  }));
        }
        for (Future<?> each : prepared) {
          each.get(1, TimeUnit.MINUTES); // throws what a sink's prepare threw
        }
        assertThat(tables(schema))
            .as("round " + round)
            .containsExactly("lambda_ledger", "t0", "t1", "t4", "t5");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static List<String> tables(String schema) throws Exception {
    List<String> names = new ArrayList<>();
    try (Connection connection = postgres.connect("postgres");
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = '"
                    + schema
                    + "' ORDER BY table_name")) {
      while (rows.next()) {
        names.add(rows.getString(1));
      }
    }
    return names;
  }
}

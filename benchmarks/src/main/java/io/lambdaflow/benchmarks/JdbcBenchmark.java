package io.lambdaflow.benchmarks;

import io.lambdaflow.embedded.EmbeddedPostgres;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.WriteContext;
import io.lambdaflow.testkit.TestPipelines;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Rows into PostgreSQL (the embedded server, real binaries): the jdbc sink's appends (binary COPY
 * into the table and the ledger's record in one transaction) against Spark's own JDBC writer
 * (batched INSERTs, a transaction per partition) on the same cached rows, alternating in one
 * session; and the sink's upsert (staged, one merge) of rows that are all in the table already.
 */
final class JdbcBenchmark {
  private JdbcBenchmark() {}

  record Settings(long rows, int runs, Path work) {}

  /** Seconds per run of each writer. */
  record Result(long rows, List<Double> ours, List<Double> spark, List<Double> upsert) {
    double oursMedian() {
      return BatchBenchmark.median(ours);
    }

    double sparkMedian() {
      return BatchBenchmark.median(spark);
    }

    double upsertMedian() {
      return BatchBenchmark.median(upsert);
    }

    /** How many times Spark's writer's time ours takes less: rows/s ours over rows/s Spark's. */
    double speedup() {
      return sparkMedian() / oursMedian();
    }
  }

  static Result run(SparkSession spark, Settings settings) throws Exception {
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start()) {
      String url = postgres.jdbcUrl("postgres");
      Dataset<Row> rows =
          spark
              .range(settings.rows())
              .selectExpr(
                  "id",
                  "concat('user', id % 1000, '.example.com') AS host",
                  "CASE WHEN id % 3 = 0 THEN 'purchase_sword' ELSE 'move' END AS event_type",
                  "id % 5000 AS amount",
                  "CAST(id % 100000 AS DECIMAL(12,2)) / 100 AS price",
                  "timestamp_seconds(1764000000 + id) AS at")
              .persist(StorageLevel.MEMORY_ONLY());
      rows.count();
      List<Double> ours = new ArrayList<>();
      List<Double> sparks = new ArrayList<>();
      List<Double> upserts = new ArrayList<>();
      for (int run = 0; run < settings.runs(); run++) {
        // ABBA: which writer goes first alternates, so warm-up and drift favour neither.
        boolean oursFirst = run % 2 == 0;
        WriteContext context = write(spark, run);
        for (int turn = 0; turn < 2; turn++) {
          if ((turn == 0) == oursFirst) {
            execute(postgres, "DROP TABLE IF EXISTS ours_append");
            ours.add(timed(() -> sink(url, "ours_append", "").writeBatch(rows, context)));
          } else {
            execute(postgres, "DROP TABLE IF EXISTS spark_append");
            sparks.add(
                timed(
                    () ->
                        rows.write()
                            .mode(SaveMode.Append)
                            .jdbc(url, "spark_append", new Properties())));
          }
        }
        check(postgres, "ours_append", settings.rows());
        check(postgres, "spark_append", settings.rows());
      }
      execute(postgres, "DROP TABLE IF EXISTS ours_upsert");
      SupportsBatchWrite upsert = sink(url, "ours_upsert", ", mode = upsert, key = [id]");
      upsert.writeBatch(rows, write(spark, -1));
      for (int run = 0; run < settings.runs(); run++) {
        int id = run;
        upserts.add(timed(() -> upsert.writeBatch(rows, write(spark, id))));
      }
      check(postgres, "ours_upsert", settings.rows());
      rows.unpersist();
      return new Result(settings.rows(), ours, sparks, upserts);
    }
  }

  private static WriteContext write(SparkSession spark, int run) {
    return new WriteContext(
        spark, "out", ExecutionMode.BATCH, "run-" + run + "-" + System.nanoTime());
  }

  private static SupportsBatchWrite sink(String url, String table, String options) {
    Pipeline pipeline =
        TestPipelines.batch(
            "layers = [batch]\nsources { in { type = files, format = json, path = unused } }\n"
                + "sinks { out { type = jdbc, url = \""
                + url
                + "\", table = "
                + table
                + options
                + " } }\n");
    return (SupportsBatchWrite) pipeline.sink("out").orElseThrow().spec();
  }

  private static double timed(Runnable write) {
    long started = System.nanoTime();
    write.run();
    return (System.nanoTime() - started) / 1e9;
  }

  private static void execute(EmbeddedPostgres postgres, String sql) throws SQLException {
    try (Connection connection = postgres.connect("postgres");
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  /** Each writer wrote every row once: what is measured is a complete write. */
  private static void check(EmbeddedPostgres postgres, String table, long rows)
      throws SQLException {
    try (Connection connection = postgres.connect("postgres");
        Statement statement = connection.createStatement();
        ResultSet result =
            statement.executeQuery("SELECT count(*), count(DISTINCT id) FROM " + table)) {
      result.next();
      if (result.getLong(1) != rows || result.getLong(2) != rows) {
        throw new IllegalStateException(
            table
                + " holds "
                + result.getLong(1)
                + " rows ("
                + result.getLong(2)
                + " ids), not "
                + rows);
      }
    }
  }
}

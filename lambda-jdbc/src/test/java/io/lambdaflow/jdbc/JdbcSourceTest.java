package io.lambdaflow.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.embedded.EmbeddedPostgres;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelinePlanner;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.SupportsBatchRead;
import io.lambdaflow.testkit.TestPipelines;
import io.lambdaflow.testkit.TestServices;
import io.lambdaflow.views.Published;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The jdbc source: a table read in parallel, and up to a horizon for the lambda contract. */
@ExtendWith(TestServices.class)
class JdbcSourceTest {
  private static EmbeddedPostgres postgres;
  private static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start(EmbeddedPostgres server, SparkSession session) {
    postgres = server;
    spark = session;
  }

  private static void sql(String... statements) throws Exception {
    try (Connection connection = postgres.connect("postgres");
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  private String source(String options) {
    return "sources { events { type = jdbc, url = \""
        + postgres.jdbcUrl("postgres")
        + "\", "
        + options
        + " } }\n";
  }

  @Test
  void aTableIsReadInParallelPartitions() throws Exception {
    sql(
        "CREATE TABLE orders (id bigint, host text, amount integer)",
        "INSERT INTO orders SELECT i, 'h' || i % 3, i % 10 FROM generate_series(1, 1000) i");
    Pipeline pipeline =
        TestPipelines.batch(
            "layers = [batch]\nstorage-root = \""
                + dir
                + "\"\n"
                + source(
                    "table = orders, partition-column = id, lower-bound = \"1\","
                        + " upper-bound = \"1000\", partitions = 4")
                + "sinks { out { type = files, format = parquet, mode = overwrite, path = \""
                + dir.resolve("out")
                + "\" } }\n");
    SupportsBatchRead source = (SupportsBatchRead) pipeline.source("events").orElseThrow().spec();
    assertThat(
            source
                .readBatch(PipelinePlanner.afterRun(spark, "events", ExecutionMode.BATCH))
                .rdd()
                .getNumPartitions())
        .isEqualTo(4);
    RunSummary summary = new BatchLayer(spark).run(pipeline);
    assertThat(summary.recordsIn()).containsEntry("events", 1000L);
    assertThat(
            spark.read().parquet(dir.resolve("out").toString()).selectExpr("sum(amount)").first())
        .hasToString("[4500]");
  }

  @Test
  void anIncreasingColumnFeedsTheMasterDatasetAndViewsRunByRun() throws Exception {
    sql(
        "CREATE TABLE clicks (id bigint, host text)",
        "INSERT INTO clicks SELECT i, 'h' || i % 3 FROM generate_series(1, 300) i");
    Pipeline pipeline =
        TestPipelines.batch(
            "name = clicks\nlayers = [batch]\nstorage-root = \""
                + dir.resolve("store")
                + "\"\nmetastore.enabled = false\n"
                + source("table = clicks, horizon-column = id")
                + "views { per_host { type = aggregate, input = events, group-by = [host],"
                + " measures { clicks = count } } }\n");
    assertThat(new BatchLayer(spark).run(pipeline).published()).isEqualTo(1);
    sql("INSERT INTO clicks SELECT i, 'h9' FROM generate_series(301, 310) i");
    RunSummary second = new BatchLayer(spark).run(pipeline);
    assertThat(second.recordsIn()).containsEntry("events", 10L);
    Published published =
        pipeline.openStore(spark.sparkContext().hadoopConfiguration()).published();
    assertThat(
            spark
                .read()
                .parquet(published.view("per_host").orElseThrow().path())
                .orderBy("host")
                .selectExpr("concat(host, '=', clicks)")
                .collectAsList()
                .toString())
        .isEqualTo("[[h0=100], [h1=100], [h2=100], [h9=10]]");
    assertThat(new BatchLayer(spark).run(pipeline).published()).as("nothing new").isZero();
  }

  @Test
  void anUpdatedAtColumnReadsRowsChangedSinceTheLastRun() throws Exception {
    sql(
        "CREATE TABLE accounts (id bigint, balance integer, updated_at timestamptz)",
        "INSERT INTO accounts SELECT i, 0, timestamptz '2026-12-01 00:00:00+00' + i * interval"
            + " '1 second' FROM generate_series(1, 50) i");
    Pipeline pipeline =
        TestPipelines.batch(
            "name = accounts\nlayers = [batch]\nstorage-root = \""
                + dir.resolve("store")
                + "\"\nmetastore.enabled = false\n"
                + source(
                    "query = \"SELECT id, balance, updated_at FROM accounts\","
                        + " horizon-column = updated_at")
                + "views { balances { type = append, input = events } }\n");
    assertThat(new BatchLayer(spark).run(pipeline).recordsIn()).containsEntry("events", 50L);
    sql(
        "UPDATE accounts SET balance = 7, updated_at = timestamptz '2026-12-02 00:00:00+00' + id *"
            + " interval '1 millisecond' WHERE id <= 5");
    RunSummary second = new BatchLayer(spark).run(pipeline);
    assertThat(second.recordsIn()).containsEntry("events", 5L);
    assertThat(second.viewRows()).containsEntry("balances", 55L);
  }

  @Test
  void viewsNeedAHorizonColumnAndExactlyOneOfTableAndQuery() {
    String base = "layers = [batch]\nstorage-root = \"" + dir + "\"\n";
    assertThat(
            TestPipelines.invalid(
                    base
                        + source("table = t, query = \"SELECT 1\"")
                        + "sinks { out { type = console } }\n")
                .getMessage())
        .contains("sources.events.table: set exactly one of 'table' and 'query'");
    assertThat(
            TestPipelines.invalid(
                    base + source("table = t") + "views { v { type = append, input = events } }\n")
                .getMessage())
        .contains(
            "views need sources the batch layer can read up to a horizon (files, kafka); source"
                + " type 'jdbc' cannot without a horizon column; a table that enriches the facts"
                + " can be a dimension (dimension = true)");
  }
}

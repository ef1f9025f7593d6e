package io.lambdaflow.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.embedded.EmbeddedPostgres;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.testkit.TestPipelines;
import io.lambdaflow.testkit.TestServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows PostgreSQL refuses become dead letters with its reason; the rest of the batch lands, and the
 * run summary still adds up.
 */
@ExtendWith(TestServices.class)
class RefusedRowsTest {
  private static EmbeddedPostgres postgres;
  private static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start(EmbeddedPostgres server, SparkSession session) {
    postgres = server;
    spark = session;
  }

  @Test
  void aRowTheDatabaseRefusesIsADeadLetterAndTheBatchLands() throws Exception {
    try (Connection connection = postgres.connect("postgres");
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE checked (id bigint PRIMARY KEY, host varchar(5) NOT NULL,"
              + " amount bigint CONSTRAINT amount_not_negative CHECK (amount >= 0))");
    }
    Pipeline pipeline = tenRowsThreeRefused(dir, postgres.jdbcUrl("postgres"));

    RunSummary summary = new BatchLayer(spark).run(pipeline);

    assertThat(summary.recordsIn()).containsEntry("rows", 10L);
    assertThat(summary.recordsOut()).containsEntry("out", 7L);
    assertThat(summary.deadLetters()).isEqualTo(3);
    List<String> ids = new ArrayList<>();
    try (Connection connection = postgres.connect("postgres");
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT id FROM checked ORDER BY id")) {
      while (rows.next()) {
        ids.add(rows.getString(1));
      }
    }
    assertThat(ids).containsExactly("1", "2", "4", "6", "8", "9", "10");
    String at = "batch " + summary.runId() + ", partition 0, "; // where in the sink's input
    assertThat(
            spark
                .read()
                .json(dir.resolve("root/dead-letters").toString())
                .orderBy("raw")
                .selectExpr("concat_ws(' | ', stage, position, reason, raw)")
                .collectAsList()
                .stream()
                .map(r -> r.getString(0))
                .toList())
        .containsExactly(
            "out | "
                + at
                + "row 3 | null value in column \"host\" of relation \"checked\" violates not-null"
                + " constraint | {\"id\":3,\"host\":null,\"amount\":3}",
            "out | "
                + at
                + "row 5 | new row for relation \"checked\" violates check constraint"
                + " \"amount_not_negative\" | {\"id\":5,\"host\":\"h1\",\"amount\":-1}",
            "out | "
                + at
                + "row 7 | value too long for type character varying(5) | {\"id\":7,\"host\":\"far-too-long\","
                + "\"amount\":7}");
  }

  /**
   * A batch pipeline of ten JSON rows into table {@code checked} at {@code url}: row 3 has no host,
   * row 5 a negative amount and row 7 a host too long for a varchar(5).
   */
  static Pipeline tenRowsThreeRefused(Path dir, String url) throws Exception {
    Path in = Files.createDirectories(dir.resolve("in"));
    List<String> lines = new ArrayList<>();
    for (int id = 1; id <= 10; id++) {
      String host = id == 3 ? "null" : id == 7 ? "\"far-too-long\"" : "\"h" + id % 2 + "\"";
      lines.add("{\"id\":" + id + ",\"host\":" + host + ",\"amount\":" + (id == 5 ? -1 : id) + "}");
    }
    Files.write(in.resolve("rows.json"), lines);
    return TestPipelines.batch(
        "name = refused\nlayers = [batch]\nstorage-root = \""
            + dir.resolve("root")
            + "\"\nsources { rows { type = files, format = json, schema = \"id BIGINT, host"
            + " STRING, amount BIGINT\", path = \""
            + in
            + "\" } }\nsinks { out { type = jdbc, url = \""
            + url
            + "\", table = checked } }\n");
  }
}

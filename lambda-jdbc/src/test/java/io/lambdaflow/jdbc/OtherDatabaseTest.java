package io.lambdaflow.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.WriteContext;
import io.lambdaflow.testkit.TestPipelines;
import io.lambdaflow.testkit.TestServices;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jdbc sink on a database other than PostgreSQL, through its JDBC driver and Spark's dialect:
 * Apache Derby, embedded (a real database with transactions and savepoints).
 */
@ExtendWith(TestServices.class)
class OtherDatabaseTest {
  private static final String URL = "jdbc:derby:memory:lambda_sink;create=true";
  private static SparkSession spark;

  @TempDir Path dir;

  private static final StructType EVENTS =
      new StructType()
          .add("id", DataTypes.LongType, false)
          .add("host", DataTypes.StringType)
          .add("price", DataTypes.createDecimalType(12, 3))
          .add("ok", DataTypes.BooleanType)
          .add("day", DataTypes.DateType)
          .add("seen", DataTypes.TimestampType);

  @BeforeAll
  static void start(SparkSession session) {
    spark = session;
  }

  private Dataset<Row> events(int from, int count) {
    List<Row> rows = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      rows.add(
          RowFactory.create(
              (long) i,
              i % 5 == 0 ? null : "h" + i % 3,
              new BigDecimal(i + ".125"),
              i % 2 == 0,
              Date.valueOf("2026-12-0" + (1 + i % 9)),
              Timestamp.from(Instant.parse("2026-12-03T10:15:30.123456Z").plusSeconds(i))));
    }
    return spark.createDataFrame(rows, EVENTS).repartition(3);
  }

  private SupportsBatchWrite sink(String options) {
    Pipeline pipeline =
        TestPipelines.batch(
            "layers = [batch]\nstorage-root = \""
                + dir
                + "\"\nsources { in { type = files, format = json, path = \""
                + dir
                + "\" } }\nsinks { out { type = jdbc, url = \""
                + URL
                + "\", "
                + options
                + " } }\n");
    return (SupportsBatchWrite) pipeline.sink("out").orElseThrow().spec();
  }

  private static void write(SupportsBatchWrite sink, Dataset<Row> data, String id) {
    sink.writeBatch(data, new WriteContext(spark, "out", ExecutionMode.BATCH, id));
  }

  private static List<String> rows(String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection connection = DriverManager.getConnection(URL);
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      ResultSetMetaData meta = result.getMetaData();
      while (result.next()) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          values.add(String.valueOf(result.getObject(i)));
        }
        rows.add(String.join("|", values));
      }
    }
    return rows;
  }

  private static void sql(String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection(URL);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  @Test
  void appendCreatesTheTableFromSparksDialectAndWritesABatchOnce() throws Exception {
    SupportsBatchWrite sink = sink("table = events, sink-id = events");
    write(sink, events(0, 100), "run-1");
    write(sink, events(0, 100), "run-1"); // the same run again: the ledger has it
    write(sink, events(100, 20), "run-2");
    assertThat(rows("SELECT count(*), count(DISTINCT \"id\"), sum(\"price\") FROM events"))
        .containsExactly("120|120|7155.000");
    assertThat(
            rows(
                "SELECT \"id\", CAST(\"host\" AS VARCHAR(10)), \"price\", \"ok\", \"day\","
                    + " \"seen\" FROM events WHERE \"id\" IN (4, 5) ORDER BY \"id\""))
        .containsExactly(
            "4|h1|4.125|true|2026-12-05|"
                + Timestamp.from(Instant.parse("2026-12-03T10:15:34.123456Z")),
            "5|null|5.125|false|2026-12-06|"
                + Timestamp.from(Instant.parse("2026-12-03T10:15:35.123456Z")));
    assertThat(
            rows(
                "SELECT \"sink_id\", \"batch_id\", \"rows\","
                    + " CASE WHEN \"committed_at\" IS NULL THEN 'no' ELSE 'dated' END"
                    + " FROM lambda_ledger WHERE \"sink_id\" = 'events' ORDER BY \"batch_id\""))
        .containsExactly("events|run-1|100|dated", "events|run-2|20|dated");
    assertThat(
            rows(
                "SELECT count(*) FROM sys.systables WHERE tablename LIKE 'LAMBDA_STAGE_%'"
                    + " OR tablename LIKE 'lambda_stage_%'"))
        .as("each batch's staging table dropped with its merge")
        .containsExactly("0");
  }

  @Test
  void overwriteReplacesTheRowsOfATableMadeByHand() throws Exception {
    // Unquoted names: Derby keeps them in upper case; the sink finds the columns either way.
    sql(
        "CREATE TABLE snapshot (id BIGINT NOT NULL, host VARCHAR(10), price DECIMAL(12,3),"
            + " ok BOOLEAN, day DATE, seen TIMESTAMP)");
    SupportsBatchWrite sink = sink("table = snapshot, mode = overwrite, sink-id = snapshot");
    write(sink, events(0, 10), "run-1");
    write(sink, events(10, 3), "run-2");
    assertThat(rows("SELECT id FROM snapshot ORDER BY id")).containsExactly("10", "11", "12");
  }

  @Test
  void aTableWhoseColumnDoesNotFitIsRefusedBeforeAnyRow() throws Exception {
    sql(
        "CREATE TABLE narrow (id VARCHAR(10), host VARCHAR(10), price DECIMAL(12,3),"
            + " ok BOOLEAN, day DATE, seen TIMESTAMP)");
    assertThatThrownBy(() -> write(sink("table = narrow"), events(0, 3), "run-1"))
        .hasMessageContaining(
            "table narrow column 'ID' is VARCHAR, but the dataset's 'id' is bigint (written as"
                + " BIGINT); change the column or cast the data");
    assertThat(rows("SELECT count(*) FROM narrow")).containsExactly("0");
    sql(
        "CREATE TABLE cents (id BIGINT, host VARCHAR(10), price DECIMAL(10,2),"
            + " ok BOOLEAN, day DATE, seen TIMESTAMP)");
    assertThatThrownBy(() -> write(sink("table = cents"), events(0, 3), "run-1"))
        .as("a narrower decimal would round the data without a word")
        .hasMessageContaining(
            "table cents column 'PRICE' is DECIMAL(10,2), but the dataset's 'price' is"
                + " decimal(12,3) (written as DECIMAL(12,3)); change the column or cast the data");
  }

  @Test
  void aRowTheDatabaseRefusesIsADeadLetterAndTheBatchLands() throws Exception {
    sql(
        "CREATE TABLE checked (id BIGINT PRIMARY KEY, host VARCHAR(5) NOT NULL,"
            + " amount BIGINT CONSTRAINT amount_not_negative CHECK (amount >= 0))");
    Pipeline pipeline = RefusedRowsTest.tenRowsThreeRefused(dir, URL);

    RunSummary summary = new BatchLayer(spark).run(pipeline);

    assertThat(summary.recordsOut()).containsEntry("out", 7L);
    assertThat(summary.deadLetters()).isEqualTo(3);
    String at = "batch " + summary.runId() + ", partition 0, ";
    assertThat(rows("SELECT id FROM checked ORDER BY id"))
        .containsExactly("1", "2", "4", "6", "8", "9", "10");
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
                + "row 3 | Column 'HOST'  cannot accept a NULL value. |"
                + " {\"id\":3,\"host\":null,\"amount\":3}",
            "out | "
                + at
                + "row 5 | The check constraint 'AMOUNT_NOT_NEGATIVE' was violated while"
                + " performing an INSERT or UPDATE on table '\"APP\".\"CHECKED\"'. |"
                + " {\"id\":5,\"host\":\"h1\",\"amount\":-1}",
            "out | "
                + at
                + "row 7 | A truncation error was encountered trying to shrink VARCHAR"
                + " 'far-too-long' to length 5. | {\"id\":7,\"host\":\"far-too-long\",\"amount\":7}");
  }
}

package io.lambdaflow.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.embedded.EmbeddedPostgres;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.Rejections;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.WriteContext;
import io.lambdaflow.testkit.TestPipelines;
import io.lambdaflow.testkit.TestServices;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The jdbc sink against a real PostgreSQL: types, modes, the ledger, table checks, psql. */
@ExtendWith(TestServices.class)
class JdbcSinkTest {
  private static EmbeddedPostgres postgres;
  private static SparkSession spark;

  @TempDir Path dir;

  private static final StructType EVENTS =
      new StructType()
          .add("id", DataTypes.LongType, false)
          .add("host", DataTypes.StringType)
          .add("n", DataTypes.IntegerType)
          .add("price", DataTypes.createDecimalType(12, 3))
          .add("ratio", DataTypes.DoubleType)
          .add("ok", DataTypes.BooleanType)
          .add("day", DataTypes.DateType)
          .add("at", DataTypes.TimestampType)
          .add("raw", DataTypes.BinaryType);

  @BeforeAll
  static void start(EmbeddedPostgres server, SparkSession session) {
    postgres = server;
    spark = session;
  }

  private Dataset<Row> events(Row... rows) {
    return spark.createDataFrame(Arrays.asList(rows), EVENTS).repartition(3);
  }

  private static Row event(long id, String host, Integer n, String price) {
    return RowFactory.create(
        id,
        host,
        n,
        price == null ? null : new BigDecimal(price),
        n == null ? null : n / 4.0,
        n == null ? null : n % 2 == 0,
        n == null ? null : Date.valueOf("2026-12-0" + (1 + n % 9)),
        n == null
            ? null
            : Timestamp.from(Instant.parse("2026-12-03T10:15:30.123456Z").plusSeconds(n)),
        host == null ? null : host.getBytes(StandardCharsets.UTF_8));
  }

  private SupportsBatchWrite sink(String options) {
    Pipeline pipeline =
        TestPipelines.batch(
            "layers = [batch]\nstorage-root = \""
                + dir
                + "\"\nsources { in { type = files, format = json, path = \""
                + dir
                + "\" } }\nsinks { out { type = jdbc, url = \""
                + postgres.jdbcUrl("postgres")
                + "\", "
                + options
                + " } }\n");
    return (SupportsBatchWrite) pipeline.sink("out").orElseThrow().spec();
  }

  private static void write(SupportsBatchWrite sink, Dataset<Row> data, String id) {
    sink.writeBatch(data, new WriteContext(spark, "out", ExecutionMode.BATCH, id));
  }

  private static void write(SupportsBatchWrite sink, Dataset<Row> data, String id, String reads) {
    sink.writeBatch(
        data,
        new WriteContext(
            spark, "out", ExecutionMode.BATCH, id, Rejections.none("out"), Optional.of(reads)));
  }

  private static List<String> rows(String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection connection = postgres.connect("postgres");
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
    try (Connection connection = postgres.connect("postgres");
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  @Test
  void appendCreatesTheTableWritesEveryTypeAndABatchOnlyOnce() throws Exception {
    SupportsBatchWrite sink = sink("table = typed, sink-id = typed");
    Dataset<Row> data =
        events(
            event(1, "a", 1, "12.345"),
            event(2, "b", 2, "-0.001"),
            event(3, "c", 3, "123456789.5"),
            event(4, null, null, null),
            event(5, "ü€\"'\\,", 0, "0"));
    write(sink, data, "run-1");
    write(sink, data, "run-1"); // the same run again: the ledger has it
    assertThat(
            rows(
                "SELECT id, host, n, price, ratio, ok, day, to_char(at AT TIME ZONE 'UTC',"
                    + " 'YYYY-MM-DD HH24:MI:SS.US'), convert_from(raw, 'UTF8') FROM typed ORDER BY"
                    + " id"))
        .containsExactly(
            "1|a|1|12.345|0.25|false|2026-12-02|2026-12-03 10:15:31.123456|a",
            "2|b|2|-0.001|0.5|true|2026-12-03|2026-12-03 10:15:32.123456|b",
            "3|c|3|123456789.500|0.75|false|2026-12-04|2026-12-03 10:15:33.123456|c",
            "4|null|null|null|null|null|null|null|null",
            "5|ü€\"'\\,|0|0.000|0.0|true|2026-12-01|2026-12-03 10:15:30.123456|ü€\"'\\,");
    assertThat(
            rows(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name ="
                    + " 'typed' ORDER BY ordinal_position"))
        .containsExactly(
            "id|bigint",
            "host|text",
            "n|integer",
            "price|numeric",
            "ratio|double precision",
            "ok|boolean",
            "day|date",
            "at|timestamp with time zone",
            "raw|bytea");
    assertThat(rows("SELECT sink_id, batch_id, rows FROM lambda_ledger WHERE sink_id = 'typed'"))
        .containsExactly("typed|run-1|5");
    assertThat(rows("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'lambda_stage_%'"))
        .containsExactly("0"); // each batch's staging table dropped with its merge

    write(sink, events(event(6, "f", 6, "1")), "run-2");
    assertThat(rows("SELECT count(*), sum(id) FROM typed")).containsExactly("6|21");
  }

  /**
   * Tasks in the driver's JVM (local mode) leave their tuples in memory for the driver; tasks on
   * executors send them as Spark's task results: the same rows either way, nothing left behind.
   */
  @Test
  void tuplesReachTheDriverInMemoryOrAsTaskResults() throws Exception {
    Dataset<Row> data = events(event(1, "a", 1, "1"), event(2, "b", 2, "2"), event(3, "c", 3, "3"));
    long taken = HandedTuples.TAKEN.get();
    write(sink("table = handed, sink-id = handed"), data, "1");
    assertThat(HandedTuples.TAKEN.get() - taken).isEqualTo(3); // one per partition
    HandedTuples.enabled = false;
    try {
      write(sink("table = sent, sink-id = sent"), data, "1");
    } finally {
      HandedTuples.enabled = true;
    }
    assertThat(HandedTuples.TAKEN.get() - taken).isEqualTo(3);
    for (String table : List.of("handed", "sent")) {
      assertThat(rows("SELECT string_agg(id || host, ',' ORDER BY id) FROM " + table))
          .containsExactly("1a,2b,3c");
    }
    assertThat(HandedTuples.openJobs()).isZero();
  }

  /**
   * Appends are written once, by one COPY from the driver into the table itself; upserts, and a
   * batch Spark estimates as too large for the driver, are staged: an event trigger notes every
   * table PostgreSQL creates meanwhile.
   */
  @Test
  void appendsAreCopiedOnceIntoTheTableAndUpsertsStaged() throws Exception {
    sql("CREATE TABLE created (name text)");
    sql(
        "CREATE FUNCTION note_created() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN INSERT"
            + " INTO created SELECT object_identity FROM pg_event_trigger_ddl_commands() WHERE"
            + " command_tag = 'CREATE TABLE' AND object_identity NOT LIKE '%lambda_ledger'; END"
            + " $$");
    sql("CREATE EVENT TRIGGER note_created ON ddl_command_end EXECUTE FUNCTION note_created()");
    try {
      Dataset<Row> data =
          events(event(1, "a", 1, "1"), event(2, "b", 2, "2"), event(3, "c", 3, "3"));
      write(sink("table = once, sink-id = once"), data, "1");
      write(sink("table = onceup, mode = upsert, key = [id], sink-id = onceup"), data, "1");
      // Three rows, but Spark estimates the filtered range at 800 MB: too large for the driver.
      write(
          sink("table = big, sink-id = big"),
          spark.range(100_000_000L).where("id < 3").selectExpr("id", "'x' AS host"),
          "1");
      assertThat(rows("SELECT name FROM created ORDER BY name"))
          .containsExactly(
              "public.big",
              "public.lambda_stage_big_1",
              "public.lambda_stage_onceup_1",
              "public.once",
              "public.onceup");
      assertThat(rows("SELECT count(*), sum(id) FROM big")).containsExactly("3|3");
      assertThat(rows("SELECT count(*), sum(id) FROM once")).containsExactly("3|6");
      assertThat(rows("SELECT sink_id, batch_id, rows FROM lambda_ledger WHERE sink_id = 'once'"))
          .containsExactly("once|1|3");
    } finally {
      sql("DROP EVENT TRIGGER note_created");
      sql("DROP FUNCTION note_created()");
    }
  }

  @Test
  void upsertKeepsTheLastRowOfEachKey() throws Exception {
    SupportsBatchWrite sink = sink("table = latest, mode = upsert, key = [host]");
    write(sink, events(event(1, "a", 1, "1"), event(2, "b", 2, "2")), "1");
    write(
        sink,
        spark
            .createDataFrame(
                List.of(event(3, "b", 3, "3"), event(4, "c", 4, "4"), event(5, "c", 5, "5")),
                EVENTS)
            .coalesce(1),
        "2");
    assertThat(rows("SELECT host, id FROM latest ORDER BY host"))
        .containsExactly("a|1", "b|3", "c|5");
    assertThat(
            rows(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
                    + " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'latest'::regclass AND"
                    + " i.indisprimary"))
        .containsExactly("host");
  }

  @Test
  void aRunNumberTheLedgerHasWithOtherHorizonsIsRefused() throws Exception {
    SupportsBatchWrite sink = sink("table = renumbered, sink-id = renumbered");
    Dataset<Row> data = events(event(1, "a", 1, "1"), event(2, "b", 2, "2"));
    String first = "{\"events\":{\"events/0\":2}}";
    write(sink, data, "run-1", first);
    write(sink, data, "run-1", first); // run 1 again after a kill: the same horizons, skipped
    assertThat(rows("SELECT count(*) FROM renumbered")).containsExactly("2");
    // The storage root wiped: run numbers start over, and run 1 now reads other records.
    assertThatThrownBy(() -> write(sink, data, "run-1", "{\"events\":{\"events/0\":5}}"))
        .hasMessage(
            "sink renumbered: batch run-1 was written to renumbered before, reading up to horizons"
                + " {\"events\":{\"events/0\":2}}, but this run's batch run-1 reads up to"
                + " {\"events\":{\"events/0\":5}}: the pipeline's storage root was reset (its run"
                + " numbers started over), and writing on would skip or repeat records. Restore the"
                + " storage root, or give the sink a new sink-id (its ledger starts empty: what the"
                + " run reads is written again)");
    assertThat(rows("SELECT count(*) FROM renumbered")).containsExactly("2");
  }

  @Test
  void decimalsOfEveryPrecisionAndScaleArriveExactly() throws Exception {
    StructType schema =
        new StructType()
            .add("id", DataTypes.IntegerType)
            .add("small", DataTypes.createDecimalType(9, 0))
            .add("money", DataTypes.createDecimalType(15, 5))
            .add("wide", DataTypes.createDecimalType(38, 10));
    String[][] values = {
      {"0", "0", "0"},
      {"10000", "0.00001", "0.0000000001"},
      {"-999999999", "-9999999999.99999", "-9999999999999999999999999999.9999999999"},
      {"123456789", "1.10000", "12345678901234567890.0001"},
      {"100000000", "10000.00010", "-1000000000000000000000000000"},
      // Unscaled values either side of what fits in a long once padded to base-10000 digits.
      {"5", "5", "99999.9999999999"},
      {"6", "6", "-20000000"},
      {"7", "7", "100000.0000000001"},
    };
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      rows.add(
          RowFactory.create(
              i,
              new BigDecimal(values[i][0]),
              new BigDecimal(values[i][1]),
              new BigDecimal(values[i][2])));
    }
    write(
        sink("table = decimals, sink-id = decimals"),
        spark.createDataFrame(rows, schema).repartition(2),
        "run-1");
    assertThat(rows("SELECT small, money, wide FROM decimals ORDER BY id"))
        .containsExactly(
            "0|0.00000|0E-10",
            "10000|0.00001|1E-10",
            "-999999999|-9999999999.99999|-9999999999999999999999999999.9999999999",
            "123456789|1.10000|12345678901234567890.0001000000",
            "100000000|10000.00010|-1000000000000000000000000000.0000000000",
            "5|5.00000|99999.9999999999",
            "6|6.00000|-20000000.0000000000",
            "7|7.00000|100000.0000000001");
  }

  @Test
  void overwriteReplacesTheRowsOfTheTable() throws Exception {
    SupportsBatchWrite sink = sink("table = snapshot, mode = overwrite");
    write(sink, events(event(1, "a", 1, "1"), event(2, "b", 2, "2")), "run-1");
    write(sink, events(event(3, "c", 3, "3")), "run-2");
    assertThat(rows("SELECT id FROM snapshot")).containsExactly("3");
  }

  @Test
  void aTableWhoseColumnsDoNotFitIsAnErrorBeforeAnyRowIsWritten() throws Exception {
    sql(
        "CREATE TABLE narrow (id integer, host text, n integer, price numeric, ratio double"
            + " precision, ok boolean, day date, at timestamptz, raw bytea)");
    SupportsBatchWrite sink = sink("table = narrow");
    assertThatThrownBy(() -> write(sink, events(event(1, "a", 1, "1")), "run-1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "table narrow column 'id' is integer, but the dataset's 'id' is bigint (written as"
                + " bigint); change the column or cast the data");
    sql("CREATE TABLE thin (id bigint)");
    assertThatThrownBy(() -> write(sink("table = thin"), events(event(1, "a", 1, "1")), "run-1"))
        .hasMessage(
            "table thin has no column 'host' for the dataset's string column; its columns: id");
    sql(
        "CREATE TABLE keyless (id bigint, host text, n integer, price numeric(12,3), ratio double"
            + " precision, ok boolean, day date, at timestamptz, raw bytea)");
    assertThatThrownBy(
            () ->
                write(
                    sink("table = keyless, mode = upsert, key = [id]"),
                    events(event(1, "a", 1, "1")),
                    "1"))
        .hasMessage(
            "table keyless has no unique index on exactly (id), which an upsert needs: CREATE"
                + " UNIQUE INDEX ON keyless (id)");
    assertThat(rows("SELECT count(*) FROM narrow")).containsExactly("0");
    assertThat(rows("SELECT count(*) FROM keyless")).containsExactly("0");
  }

  @Test
  void upsertNeedsAKeyAndPostgresqlAndAUrlMustBeJdbcAtValidation() {
    String base =
        "layers = [batch]\nstorage-root = \""
            + dir
            + "\"\nsources { in { type = files, format = json, path = \""
            + dir
            + "\" } }\n";
    assertThat(
            TestPipelines.invalid(
                    base
                        + "sinks { out { type = jdbc, url = \"jdbc:postgresql://x/db\", table = t,"
                        + " mode = upsert } }\n")
                .getMessage())
        .contains(
            "sinks.out.key: missing required option 'key' (a list of strings) when mode = upsert");
    assertThat(
            TestPipelines.invalid(
                    base
                        + "sinks { out { type = jdbc, url = \"jdbc:mysql://x/db\", table = t,"
                        + " mode = upsert, key = [id] } }\n")
                .getMessage())
        .contains(
            "sinks.out.mode: mode = upsert needs PostgreSQL (INSERT ... ON CONFLICT); other"
                + " databases append or overwrite");
    assertThat(
            TestPipelines.invalid(
                    base + "sinks { out { type = jdbc, url = \"postgres://x/db\", table = t } }\n")
                .getMessage())
        .contains(
            "sinks.out.url: expected a JDBC URL, such as jdbc:postgresql://host:port/database");
  }

  @Test
  void theRealPsqlClientReadsTheRows() throws Exception {
    Assumptions.assumeTrue(
        java.util.stream.Stream.of(System.getenv("PATH").split(java.io.File.pathSeparator))
            .anyMatch(d -> java.nio.file.Files.isExecutable(Path.of(d, "psql"))),
        "psql (Debian's postgresql-client, which .ci/run installs) is not on the PATH");
    write(sink("table = shown"), events(event(1, "a", 1, "1.5"), event(2, "b", 2, "2")), "x");
    Process psql =
        new ProcessBuilder(
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                String.valueOf(postgres.port()),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-At",
                "-c",
                "SELECT id, host, price FROM shown ORDER BY id")
            .redirectErrorStream(true)
            .start();
    assertThat(psql.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(psql.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(psql.exitValue()).as(out).isZero();
    assertThat(out).isEqualTo("1|a|1.500\n2|b|2.000\n");
  }
}

package io.lambdaflow.jdbc;

import io.lambdaflow.spi.Rejections;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.execution.SQLExecution;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Function0;
import scala.Option;

/**
 * One batch into PostgreSQL, exactly once. The driver creates a staging table for the batch
 * (unlogged, no constraints); each executor task copies its partition into it with binary COPY,
 * straight from Spark's internal rows, tagged with the partition, the task attempt and each row's
 * place. Spark returns the attempt that succeeded for each partition, so rows of a failed or
 * speculative attempt are never merged. Then the driver, in one transaction under the sink's
 * advisory lock, looks the batch up in the ledger: absent, it merges the staged rows into the table
 * ({@code INSERT ... SELECT}, with {@code ON CONFLICT DO UPDATE} for an upsert, after emptying the
 * table for an overwrite) and records the batch; present (a replay after a crash), it merges
 * nothing. Either way it drops the staging table and commits. The ledger is keyed by the sink's id,
 * not by Spark's query.
 */
final class PgWrite {
  private static final Logger LOG = LoggerFactory.getLogger(PgWrite.class);

  private PgWrite() {}

  /**
   * Writes {@code data} as batch {@code batch}; returns the rows merged (0 for a replay). Rows the
   * database refuses (a constraint, a value that does not fit) go to {@code rejections}.
   */
  static long write(
      PgTarget target, Dataset<Row> data, PgLedger.Batch ledgered, Rejections rejections) {
    StructType schema = data.schema();
    String batch = ledgered.id();
    if (committedBefore(target, ledgered)) {
      return 0; // a replay: not even staged again
    }
    String stage = target.stage(batch);
    long started = System.nanoTime();
    Staged staged;
    try {
      PgTables.stage(target, stage, schema);
      staged = Staged.of(target, ledgered, stage, stageAll(data, target, copySql(stage, schema)));
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot stage batch " + batch + " for " + target.table() + ": " + e.getMessage(), e);
    }
    long stagedAt = System.nanoTime();
    try {
      try {
        long merged = merge(target, schema, staged, Optional.empty());
        LOG.debug(
            "sink {}: batch {}: staged in {} ms, merged in {} ms",
            target.sinkId(),
            batch,
            (stagedAt - started) / 1_000_000,
            (System.nanoTime() - stagedAt) / 1_000_000);
        return merged;
      } catch (SQLException e) {
        if (!refusedData(e)) {
          throw e;
        }
        LOG.warn(
            "sink {}: the database refused a row of batch {} ({}); merging it row by row, refused"
                + " rows to the dead letters",
            target.sinkId(),
            batch,
            firstLine(e));
        return merge(target, schema, staged, Optional.of(rejections));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot merge batch " + batch + " into " + target.table() + ": " + e.getMessage(), e);
    }
  }

  /**
   * A batch's staged rows: in table {@code stage}, those {@code where} selects.
   *
   * @param where a condition that keeps the rows of the task attempts that succeeded, or keeps all
   *     rows when no other attempt left any (the usual case: a task's rows are committed only when
   *     it ends, so a failed attempt leaves rows only if it failed after that, or ran
   *     speculatively)
   */
  private record Staged(PgLedger.Batch ledgered, String stage, String where) {
    String batch() {
      return ledgered.id();
    }

    /**
     * From the {@code (partition, task attempt, rows)} each partition's successful attempt
     * returned.
     */
    static Staged of(PgTarget target, PgLedger.Batch batch, String stage, List<long[]> attempts)
        throws SQLException {
      long[] tasks = new long[attempts.size()];
      long expected = 0;
      for (long[] attempt : attempts) {
        tasks[(int) attempt[0]] = attempt[1];
        expected += attempt[2];
      }
      long rows;
      try (Connection connection = target.connect();
          Statement statement = connection.createStatement();
          ResultSet count = statement.executeQuery("SELECT count(*) FROM " + stage)) {
        count.next();
        rows = count.getLong(1);
      }
      if (rows == expected) {
        return new Staged(batch, stage, " WHERE true");
      }
      LOG.info(
          "sink {}: batch {}: {} staged row(s) of failed or speculative task attempts left out",
          target.sinkId(),
          batch.id(),
          rows - expected);
      String list = Arrays.stream(tasks).mapToObj(Long::toString).collect(Collectors.joining(","));
      return new Staged(
          batch, stage, " WHERE _lambda_task = ('{" + list + "}'::bigint[])[_lambda_part + 1]");
    }
  }

  /**
   * Runs the staging job over Spark's internal rows, as an SQL execution of the dataset's own plan
   * (as Spark's writers do), so that metrics observed on it are reported; returns {@code
   * (partition, task attempt, rows)} of each partition.
   */
  private static List<long[]> stageAll(Dataset<Row> data, PgTarget target, String copy) {
    QueryExecution execution = data.queryExecution();
    StructType schema = data.schema();
    Function0<List<long[]>> job =
        () -> {
          JavaRDD<InternalRow> rows = execution.toRdd().toJavaRDD();
          return rows.mapPartitions(part -> stage(target, schema, copy, part)).collect();
        };
    return SQLExecution.withNewExecutionId(execution, Option.apply("jdbc " + target.sinkId()), job);
  }

  private static String copySql(String stage, StructType schema) {
    List<String> columns = new ArrayList<>();
    for (StructField field : schema.fields()) {
      columns.add(PgTypes.quote(field.name()));
    }
    columns.add("_lambda_part");
    columns.add("_lambda_task");
    columns.add("_lambda_seq");
    return "COPY " + stage + " (" + String.join(", ", columns) + ") FROM STDIN (FORMAT binary)";
  }

  /**
   * On an executor: the task's rows into the staging table, in a transaction of its own; returns
   * the partition, the task attempt that staged it and its rows.
   */
  private static Iterator<long[]> stage(
      PgTarget target, StructType schema, String copy, Iterator<InternalRow> rows)
      throws SQLException, IOException {
    TaskContext task = TaskContext.get();
    int part = task == null ? 0 : task.partitionId();
    long attempt = task == null ? 0 : task.taskAttemptId();
    long staged = 0;
    try (Connection connection = target.connect()) {
      connection.setAutoCommit(false);
      try (PGCopyOutputStream out =
              new PGCopyOutputStream(connection.unwrap(PGConnection.class), copy, 1 << 16);
          PgBinaryCopy encoder = new PgBinaryCopy(out, schema)) {
        while (rows.hasNext()) {
          encoder.write(rows.next(), part, attempt, staged++);
        }
      }
      connection.commit();
    }
    return List.of(new long[] {part, attempt, staged}).iterator();
  }

  /**
   * On the driver: the staged batch into the table and the ledger, in one transaction; all rows in
   * one statement, or, given where refused rows go, row by row (each under a savepoint).
   */
  private static long merge(
      PgTarget target, StructType schema, Staged staged, Optional<Rejections> rowByRow)
      throws SQLException {
    String batch = staged.batch();
    try (Connection connection = target.connect()) {
      connection.setAutoCommit(false);
      try {
        PgLedger.lock(connection, target);
        long merged = 0;
        if (!PgLedger.has(connection, target, staged.ledgered())) {
          if (target.mode().equals("overwrite")) {
            try (Statement statement = connection.createStatement()) {
              statement.execute("DELETE FROM " + target.quotedTable());
            }
          }
          if (rowByRow.isPresent()) {
            merged = mergeRows(connection, target, schema, staged, rowByRow.get());
          } else {
            try (PreparedStatement insert =
                connection.prepareStatement(mergeSql(target, schema, staged, ""))) {
              merged = insert.executeUpdate();
            }
          }
          PgLedger.record(connection, target, staged.ledgered(), merged);
        } else {
          LOG.info(
              "sink {}: batch {} was committed to {} before; not written again",
              target.sinkId(),
              batch,
              target.table());
        }
        try (Statement drop = connection.createStatement()) {
          drop.execute("DROP TABLE " + staged.stage());
        }
        connection.commit();
        return merged;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    }
  }

  /**
   * Each staged row of the batch on its own, in order, under a savepoint: a row the database
   * refuses is rolled back to it and sent to {@code rejections} (before the transaction commits)
   * with the database's reason and the row as JSON.
   */
  private static long mergeRows(
      Connection connection,
      PgTarget target,
      StructType schema,
      Staged staged,
      Rejections rejections)
      throws SQLException {
    List<String> pairs = new ArrayList<>();
    for (StructField field : schema.fields()) {
      pairs.add("'" + field.name().replace("'", "''") + "', " + PgTypes.quote(field.name()));
    }
    record StagedRow(int part, long seq, String json) {}
    List<StagedRow> rows = new ArrayList<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT _lambda_part, _lambda_seq, json_build_object("
                + String.join(", ", pairs)
                + ")::text FROM "
                + staged.stage()
                + staged.where()
                + " ORDER BY _lambda_part, _lambda_seq")) {
      try (ResultSet result = query.executeQuery()) {
        while (result.next()) {
          rows.add(new StagedRow(result.getInt(1), result.getLong(2), result.getString(3)));
        }
      }
    }
    long merged = 0;
    List<Rejections.Rejected> refused = new ArrayList<>();
    try (PreparedStatement insert =
        connection.prepareStatement(
            mergeSql(target, schema, staged, " AND _lambda_part = ? AND _lambda_seq = ?"))) {
      for (StagedRow row : rows) {
        insert.setInt(1, row.part());
        insert.setLong(2, row.seq());
        Savepoint savepoint = connection.setSavepoint();
        try {
          merged += insert.executeUpdate();
          connection.releaseSavepoint(savepoint);
        } catch (SQLException e) {
          if (!refusedData(e)) {
            throw e;
          }
          connection.rollback(savepoint);
          refused.add(
              new Rejections.Rejected(
                  firstLine(e),
                  row.json(),
                  "batch "
                      + staged.batch()
                      + ", partition "
                      + row.part()
                      + ", row "
                      + (row.seq() + 1)));
        }
      }
    }
    rejections.reject(refused);
    LOG.info(
        "sink {}: batch {}: {} row(s) merged, {} refused by the database",
        target.sinkId(),
        staged.batch(),
        merged,
        refused.size());
    return merged;
  }

  /** Whether the database refused the data itself: a data exception or a broken constraint. */
  private static boolean refusedData(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("22") || state.startsWith("23"));
  }

  /** The database's message without its "ERROR: " and detail lines. */
  private static String firstLine(SQLException e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return (newline < 0 ? message : message.substring(0, newline)).replaceFirst("^ERROR: ", "");
  }

  /** Whether the ledger has the batch already (it never forgets one, so no lock is needed). */
  private static boolean committedBefore(PgTarget target, PgLedger.Batch batch) {
    try (Connection connection = target.connect()) {
      if (!PgLedger.has(connection, target, batch)) {
        return false;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the ledger " + target.ledger() + ": " + e.getMessage(), e);
    }
    LOG.info(
        "sink {}: batch {} was committed to {} before; not written again",
        target.sinkId(),
        batch.id(),
        target.table());
    return true;
  }

  /**
   * The merge: every staged row of the batch; for an upsert, the last row of each key (by partition
   * and place in it) and {@code ON CONFLICT} updating the other columns.
   */
  static String mergeSql(PgTarget target, StructType schema, Staged staged, String condition) {
    List<String> columns = new ArrayList<>();
    for (StructField field : schema.fields()) {
      columns.add(PgTypes.quote(field.name()));
    }
    String list = String.join(", ", columns);
    if (!target.mode().equals("upsert")) {
      return "INSERT INTO "
          + target.quotedTable()
          + " ("
          + list
          + ") SELECT "
          + list
          + " FROM "
          + staged.stage()
          + staged.where()
          + condition;
    }
    String keys = target.key().stream().map(PgTypes::quote).collect(Collectors.joining(", "));
    List<String> updates = new ArrayList<>();
    for (StructField field : schema.fields()) {
      if (!target.key().contains(field.name())) {
        String column = PgTypes.quote(field.name());
        updates.add(column + " = EXCLUDED." + column);
      }
    }
    return "INSERT INTO "
        + target.quotedTable()
        + " ("
        + list
        + ") SELECT DISTINCT ON ("
        + keys
        + ") "
        + list
        + " FROM "
        + staged.stage()
        + staged.where()
        + condition
        + " ORDER BY "
        + keys
        + ", _lambda_part DESC, _lambda_seq DESC ON CONFLICT ("
        + keys
        + ") DO "
        + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + String.join(", ", updates));
  }
}

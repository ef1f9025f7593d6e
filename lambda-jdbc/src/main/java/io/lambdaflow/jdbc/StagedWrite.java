package io.lambdaflow.jdbc;

import io.lambdaflow.spi.Rejections;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Function0;
import scala.Option;

/**
 * One batch into a database, exactly once. The driver creates a staging table for the batch; each
 * executor task writes its partition into it (PostgreSQL: binary COPY straight from Spark's
 * internal rows; other databases: batched INSERTs) in a transaction of its own, tagged with the
 * partition, the task attempt and each row's place. Spark returns the attempt that succeeded for
 * each partition, so rows of a failed or speculative attempt are never merged. Then the driver, in
 * one transaction (under the sink's advisory lock in PostgreSQL), looks the batch up in the {@link
 * Ledger}: absent, it records the batch and merges the staged rows into the table ({@code INSERT
 * ... SELECT}, with {@code ON CONFLICT DO UPDATE} for an upsert, after emptying the table for an
 * overwrite); present (a replay after a crash), it merges nothing. Either way it drops the staging
 * table and commits.
 */
final class StagedWrite {
  private static final Logger LOG = LoggerFactory.getLogger(StagedWrite.class);

  private StagedWrite() {}

  /**
   * Writes {@code data} as {@code batch}; returns the rows merged (0 for a replay). Rows the
   * database refuses (a constraint, a value that does not fit) go to {@code rejections}.
   */
  static long write(
      JdbcTarget target, Dataset<Row> data, Ledger.Batch batch, Rejections rejections) {
    StructType schema = data.schema();
    Database database = target.database();
    if (committedBefore(target, database, batch)) {
      return 0; // a replay: not even staged again
    }
    String stage = database.stage(target, batch.id());
    long started = System.nanoTime();
    Staged staged;
    try {
      database.createStage(target, stage, schema);
      staged = Staged.of(database, batch, stage, stageAll(data, target, database, stage));
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot stage batch " + batch.id() + " for " + target.table() + ": " + e.getMessage(), e);
    }
    long stagedAt = System.nanoTime();
    try {
      try {
        long merged = merge(target, database, schema, staged, Optional.empty());
        LOG.debug(
            "sink {}: batch {}: staged in {} ms, merged in {} ms",
            target.sinkId(),
            batch.id(),
            (stagedAt - started) / 1_000_000,
            (System.nanoTime() - stagedAt) / 1_000_000);
        return merged;
      } catch (SQLException e) {
        if (!RowByRow.refusedData(e)) {
          throw e;
        }
        refused(target, batch, e, "merging it row by row");
        return merge(target, database, schema, staged, Optional.of(rejections));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot merge batch " + batch.id() + " into " + target.table() + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * A batch's staged rows: in table {@code stage}, those {@code where} selects, {@code expected} of
   * them.
   *
   * @param where keeps the rows of the task attempt that succeeded for each partition: a failed
   *     attempt that got as far as committing its rows, or a speculative or lost one still running,
   *     may have staged the same partition too
   */
  record Staged(Ledger.Batch ledgered, String stage, String where, long expected) {
    String batch() {
      return ledgered.id();
    }

    /**
     * From the {@code (partition, task attempt, rows)} each partition's successful attempt gave.
     */
    static Staged of(Database database, Ledger.Batch batch, String stage, List<long[]> attempts) {
      long expected = attempts.stream().mapToLong(attempt -> attempt[2]).sum();
      String cases =
          attempts.stream()
              .map(attempt -> " WHEN " + attempt[0] + " THEN " + attempt[1])
              .collect(Collectors.joining());
      String where =
          attempts.isEmpty()
              ? " WHERE 1 = 0"
              : " WHERE "
                  + database.quote("_lambda_task")
                  + " = CASE "
                  + database.quote("_lambda_part")
                  + cases
                  + " END";
      return new Staged(batch, stage, where, expected);
    }

    /**
     * Checks, in the merge's transaction, that every staged row is still there: an unlogged table
     * is emptied when PostgreSQL restarts after a crash, and merging what is left would record a
     * batch in the ledger with rows missing.
     */
    void checkComplete(Connection connection, JdbcTarget target) throws SQLException {
      try (Statement statement = connection.createStatement();
          ResultSet count = statement.executeQuery("SELECT count(*) FROM " + stage + where)) {
        count.next();
        long staged = count.getLong(1);
        if (staged != expected) {
          throw new IllegalStateException(
              "sink "
                  + target.sinkId()
                  + ": batch "
                  + batch()
                  + " staged "
                  + expected
                  + " row(s), but its staging table "
                  + stage
                  + " holds "
                  + staged
                  + " (did the database restart? it empties unlogged tables after a crash); the"
                  + " batch is not merged, and is staged again when it is retried");
        }
      }
    }
  }

  /**
   * Runs the staging job over Spark's internal rows, as an SQL execution of the dataset's own plan
   * (as Spark's writers do), so that metrics observed on it are reported; returns {@code
   * (partition, task attempt, rows)} of each partition.
   */
  private static List<long[]> stageAll(
      Dataset<Row> data, JdbcTarget target, Database database, String stage) {
    QueryExecution execution = data.queryExecution();
    StructType schema = data.schema();
    Function0<List<long[]>> job =
        () -> {
          JavaRDD<InternalRow> rows = execution.toRdd().toJavaRDD();
          return rows.mapPartitions(part -> stage(target, database, schema, stage, part)).collect();
        };
    return SQLExecution.withNewExecutionId(execution, Option.apply("jdbc " + target.sinkId()), job);
  }

  /**
   * On an executor: the task's rows into the staging table, in a transaction of its own; returns
   * the partition, the task attempt that staged it and its rows.
   */
  private static Iterator<long[]> stage(
      JdbcTarget target,
      Database database,
      StructType schema,
      String stage,
      Iterator<InternalRow> rows)
      throws Exception {
    TaskContext task = TaskContext.get();
    int part = task == null ? 0 : task.partitionId();
    long attempt = task == null ? 0 : task.taskAttemptId();
    long staged;
    try (Connection connection = target.connect()) {
      connection.setAutoCommit(false);
      try {
        staged = database.stageRows(connection, stage, schema, rows, part, attempt);
        connection.commit();
      } catch (Exception e) {
        rollback(connection, e);
        throw e;
      }
    }
    return List.of(new long[] {part, attempt, staged}).iterator();
  }

  /**
   * On the driver: the staged batch into the table and the ledger, in one transaction; all rows in
   * one statement, or, given where refused rows go, row by row (each under a savepoint).
   */
  private static long merge(
      JdbcTarget target,
      Database database,
      StructType schema,
      Staged staged,
      Optional<Rejections> rowByRow)
      throws SQLException {
    String ledger = database.ledger(target);
    try (Connection connection = target.connect()) {
      connection.setAutoCommit(false);
      try {
        database.lock(connection, target);
        long merged = 0;
        if (!Ledger.has(connection, database, ledger, target, staged.ledgered())) {
          staged.checkComplete(connection, target);
          // First: a concurrent merge of the batch waits on the ledger's key, then fails on it.
          Ledger.record(connection, database, ledger, target, staged.ledgered());
          emptyForOverwrite(connection, database, target);
          if (rowByRow.isPresent()) {
            merged = RowByRow.merge(connection, target, database, schema, staged, rowByRow.get());
          } else {
            try (PreparedStatement insert =
                connection.prepareStatement(
                    mergeSql(connection, target, database, schema, staged, ""))) {
              merged = insert.executeUpdate();
            }
          }
          Ledger.count(connection, database, ledger, target, staged.ledgered(), merged);
        } else {
          replayed(target, staged.batch());
        }
        try (Statement drop = connection.createStatement()) {
          drop.execute("DROP TABLE " + staged.stage());
        }
        connection.commit();
        return merged;
      } catch (SQLException | RuntimeException e) {
        rollback(connection, e);
        throw e;
      }
    }
  }

  /** Logs that the ledger has {@code batch}: a replay, not written again. */
  static void replayed(JdbcTarget target, String batch) {
    LOG.info(
        "sink {}: batch {} was committed to {} before; not written again",
        target.sinkId(),
        batch,
        target.table());
  }

  /** Logs that the database refused a row of {@code batch}, and what is done {@code then}. */
  static void refused(JdbcTarget target, Ledger.Batch batch, SQLException e, String then) {
    LOG.warn(
        "sink {}: the database refused a row of batch {} ({}); {}, refused rows to the dead"
            + " letters",
        target.sinkId(),
        batch.id(),
        RowByRow.firstLine(e),
        then);
  }

  /** Empties the table in the batch's transaction when the sink overwrites it. */
  static void emptyForOverwrite(Connection connection, Database database, JdbcTarget target)
      throws SQLException {
    if (target.mode().equals("overwrite")) {
      try (Statement statement = connection.createStatement()) {
        statement.execute("DELETE FROM " + database.table(target));
      }
    }
  }

  /** Rolls {@code connection} back after {@code failure}, keeping a failed rollback with it. */
  static void rollback(Connection connection, Exception failure) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

  /** Whether the ledger has the batch already (it never forgets one, so no lock is needed). */
  static boolean committedBefore(JdbcTarget target, Database database, Ledger.Batch batch) {
    try (Connection connection = target.connect()) {
      if (!Ledger.has(connection, database, database.ledger(target), target, batch)) {
        return false;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the ledger " + database.ledger(target) + ": " + e.getMessage(), e);
    }
    replayed(target, batch.id());
    return true;
  }

  /**
   * The merge: every staged row of the batch; for an upsert, the last row of each key (by partition
   * and place in it) and {@code ON CONFLICT} updating the other columns.
   */
  static String mergeSql(
      Connection connection,
      JdbcTarget target,
      Database database,
      StructType schema,
      Staged staged,
      String condition)
      throws SQLException {
    List<String> columns = database.columns(schema);
    String list = String.join(", ", columns);
    String into =
        "INSERT INTO "
            + database.table(target)
            + " ("
            + String.join(", ", database.targetColumns(connection, target, schema))
            + ") SELECT ";
    String from = " FROM " + staged.stage() + staged.where() + condition;
    if (!target.mode().equals("upsert")) {
      return into + list + from;
    }
    String keys = target.key().stream().map(database::quote).collect(Collectors.joining(", "));
    List<String> updates = new ArrayList<>();
    for (StructField field : schema.fields()) {
      if (!target.key().contains(field.name())) {
        String column = database.quote(field.name());
        updates.add(column + " = EXCLUDED." + column);
      }
    }
    return into
        + "DISTINCT ON ("
        + keys
        + ") "
        + list
        + from
        + " ORDER BY "
        + keys
        + ", "
        + database.quote("_lambda_part")
        + " DESC, "
        + database.quote("_lambda_seq")
        + " DESC ON CONFLICT ("
        + keys
        + ") DO "
        + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + String.join(", ", updates));
  }
}

package io.lambdaflow.jdbc;

import io.lambdaflow.spi.Rejections;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One batch into PostgreSQL, exactly once. Each executor task copies its partition into the sink's
 * staging table with binary COPY, tagged with the batch and the partition (a retried task first
 * deletes what it staged before). Then the driver, in one transaction under the sink's advisory
 * lock, looks the batch up in the ledger: absent, it merges the staged rows into the table ({@code
 * INSERT ... SELECT}, with {@code ON CONFLICT DO UPDATE} for an upsert, after emptying the table
 * for an overwrite), records the batch and commits; present (a replay after a crash), it only drops
 * the staged rows. The ledger is keyed by the sink's id, not by Spark's query, so a lost checkpoint
 * cannot write a batch twice.
 */
final class PgWrite {
  private static final Logger LOG = LoggerFactory.getLogger(PgWrite.class);

  private PgWrite() {}

  /**
   * Writes {@code data} as batch {@code batch}; returns the rows merged (0 for a replay). Rows the
   * database refuses (a constraint, a value that does not fit) go to {@code rejections}.
   */
  static long write(PgTarget target, Dataset<Row> data, String batch, Rejections rejections) {
    StructType schema = data.schema();
    String copy = copySql(target, schema);
    data.foreachPartition((Iterator<Row> rows) -> stage(target, schema, copy, batch, rows));
    try {
      try {
        return merge(target, schema, batch, Optional.empty());
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
        return merge(target, schema, batch, Optional.of(rejections));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot merge batch " + batch + " into " + target.table() + ": " + e.getMessage(), e);
    }
  }

  private static String copySql(PgTarget target, StructType schema) {
    List<String> columns = new ArrayList<>();
    for (StructField field : schema.fields()) {
      columns.add(PgTypes.quote(field.name()));
    }
    columns.add("_lambda_batch");
    columns.add("_lambda_part");
    columns.add("_lambda_seq");
    return "COPY "
        + target.stage()
        + " ("
        + String.join(", ", columns)
        + ") FROM STDIN (FORMAT binary)";
  }

  /** On an executor: the task's rows into the staging table, replacing an earlier attempt's. */
  private static void stage(
      PgTarget target, StructType schema, String copy, String batch, Iterator<Row> rows)
      throws SQLException, IOException {
    TaskContext task = TaskContext.get();
    int part = task == null ? 0 : task.partitionId();
    byte[] batchBytes = batch.getBytes(StandardCharsets.UTF_8);
    try (Connection connection = target.connect()) {
      connection.setAutoCommit(false);
      try (PreparedStatement clear =
          connection.prepareStatement(
              "DELETE FROM " + target.stage() + " WHERE _lambda_batch = ? AND _lambda_part = ?")) {
        clear.setString(1, batch);
        clear.setInt(2, part);
        clear.executeUpdate();
      }
      try (PGCopyOutputStream out =
              new PGCopyOutputStream(connection.unwrap(PGConnection.class), copy, 1 << 16);
          PgBinaryCopy encoder = new PgBinaryCopy(out, schema)) {
        long seq = 0;
        while (rows.hasNext()) {
          encoder.write(rows.next(), batchBytes, part, seq++);
        }
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      connection.commit();
    }
  }

  /**
   * On the driver: the staged batch into the table and the ledger, in one transaction; all rows in
   * one statement, or, given where refused rows go, row by row (each under a savepoint).
   */
  private static long merge(
      PgTarget target, StructType schema, String batch, Optional<Rejections> rowByRow)
      throws SQLException {
    try (Connection connection = target.connect()) {
      connection.setAutoCommit(false);
      try {
        try (PreparedStatement lock =
            connection.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
          lock.setString(1, target.ledger() + " " + target.sinkId());
          lock.execute();
        }
        long merged = 0;
        if (!committed(connection, target, batch)) {
          if (target.mode().equals("overwrite")) {
            try (Statement statement = connection.createStatement()) {
              statement.execute("DELETE FROM " + target.quotedTable());
            }
          }
          if (rowByRow.isPresent()) {
            merged = mergeRows(connection, target, schema, batch, rowByRow.get());
          } else {
            try (PreparedStatement insert =
                connection.prepareStatement(mergeSql(target, schema, ""))) {
              insert.setString(1, batch);
              merged = insert.executeUpdate();
            }
          }
          try (PreparedStatement record =
              connection.prepareStatement(
                  "INSERT INTO "
                      + target.ledger()
                      + " (sink_id, batch_id, rows) VALUES (?, ?, ?)")) {
            record.setString(1, target.sinkId());
            record.setString(2, batch);
            record.setLong(3, merged);
            record.executeUpdate();
          }
        } else {
          LOG.info(
              "sink {}: batch {} was committed to {} before; not written again",
              target.sinkId(),
              batch,
              target.table());
        }
        try (PreparedStatement clear =
            connection.prepareStatement(
                "DELETE FROM " + target.stage() + " WHERE _lambda_batch = ?")) {
          clear.setString(1, batch);
          clear.executeUpdate();
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
      String batch,
      Rejections rejections)
      throws SQLException {
    List<String> pairs = new ArrayList<>();
    for (StructField field : schema.fields()) {
      pairs.add("'" + field.name().replace("'", "''") + "', " + PgTypes.quote(field.name()));
    }
    record Staged(int part, long seq, String json) {}
    List<Staged> staged = new ArrayList<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT _lambda_part, _lambda_seq, json_build_object("
                + String.join(", ", pairs)
                + ")::text FROM "
                + target.stage()
                + " WHERE _lambda_batch = ? ORDER BY _lambda_part, _lambda_seq")) {
      query.setString(1, batch);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          staged.add(new Staged(rows.getInt(1), rows.getLong(2), rows.getString(3)));
        }
      }
    }
    long merged = 0;
    List<Rejections.Rejected> refused = new ArrayList<>();
    try (PreparedStatement insert =
        connection.prepareStatement(
            mergeSql(target, schema, " AND _lambda_part = ? AND _lambda_seq = ?"))) {
      for (Staged row : staged) {
        insert.setString(1, batch);
        insert.setInt(2, row.part());
        insert.setLong(3, row.seq());
        Savepoint savepoint = connection.setSavepoint();
        try {
          merged += insert.executeUpdate();
          connection.releaseSavepoint(savepoint);
        } catch (SQLException e) {
          if (!refusedData(e)) {
            throw e;
          }
          connection.rollback(savepoint);
          refused.add(new Rejections.Rejected(firstLine(e), row.json()));
        }
      }
    }
    rejections.reject(refused);
    LOG.info(
        "sink {}: batch {}: {} row(s) merged, {} refused by the database",
        target.sinkId(),
        batch,
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

  private static boolean committed(Connection connection, PgTarget target, String batch)
      throws SQLException {
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT 1 FROM " + target.ledger() + " WHERE sink_id = ? AND batch_id = ?")) {
      query.setString(1, target.sinkId());
      query.setString(2, batch);
      try (ResultSet rows = query.executeQuery()) {
        return rows.next();
      }
    }
  }

  /**
   * The merge: every staged row of the batch; for an upsert, the last row of each key (by partition
   * and place in it) and {@code ON CONFLICT} updating the other columns.
   */
  static String mergeSql(PgTarget target, StructType schema, String condition) {
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
          + target.stage()
          + " WHERE _lambda_batch = ?"
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
        + target.stage()
        + " WHERE _lambda_batch = ?"
        + condition
        + " ORDER BY "
        + keys
        + ", _lambda_part DESC, _lambda_seq DESC ON CONFLICT ("
        + keys
        + ") DO "
        + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + String.join(", ", updates));
  }
}

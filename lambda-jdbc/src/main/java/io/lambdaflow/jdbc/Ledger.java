package io.lambdaflow.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;

/**
 * The ledger table {@code lambda_ledger} beside the target: one row per batch a sink merged, keyed
 * by the sink's id and the batch's id, committed in the merge's own transaction. With the batch's
 * id it records what the batch read (a micro-batch's source offsets, a batch run's horizons, when
 * the layer knows them), so that a replay, which reads the same, is told from another batch under a
 * reused id, which a lost or reset checkpoint or storage root produces. Portable SQL: every
 * database the sink writes keeps it the same way.
 */
final class Ledger {
  private Ledger() {}

  /**
   * A ledgered batch: its id, what it read ({@code reads}, empty when unknown), and whether it is a
   * micro-batch (or a batch run's write).
   */
  record Batch(String id, Optional<String> reads, boolean micro) {}

  /**
   * Whether the ledger has {@code batch} already: a replay, written before and not to be written
   * again.
   *
   * @throws IllegalStateException when the ledger has the batch's id with other reads than {@code
   *     batch}'s: the checkpoint that numbers the batches was lost or reset
   */
  static boolean has(
      Connection connection, Database database, String ledger, JdbcTarget target, Batch batch)
      throws SQLException {
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT "
                + database.quote("reads")
                + " FROM "
                + ledger
                + " WHERE "
                + database.quote("sink_id")
                + " = ? AND "
                + database.quote("batch_id")
                + " = ?")) {
      query.setString(1, target.sinkId());
      query.setString(2, batch.id());
      try (ResultSet rows = query.executeQuery()) {
        if (!rows.next()) {
          return false;
        }
        Optional<String> recorded = Optional.ofNullable(rows.getString(1));
        if (recorded.isPresent()
            && batch.reads().isPresent()
            && !Objects.equals(recorded.get(), batch.reads().get())) {
          throw new IllegalStateException(
              "sink "
                  + target.sinkId()
                  + ": "
                  + (batch.micro() ? "micro-batch " : "batch ")
                  + batch.id()
                  + " was written to "
                  + target.table()
                  + " before, reading up to "
                  + (batch.micro() ? "source offsets " : "horizons ")
                  + recorded.get()
                  + ", but this "
                  + (batch.micro() ? "query's micro-batch " : "run's batch ")
                  + batch.id()
                  + " reads up to "
                  + batch.reads().get()
                  + (batch.micro()
                      ? ": the checkpoint was lost or reset (the query's batch ids no longer name"
                          + " what the ledger recorded)"
                      : ": the pipeline's storage root was reset (its run numbers started over)")
                  + ", and writing on would skip or repeat records. Restore the "
                  + (batch.micro() ? "checkpoint" : "storage root")
                  + ", or give the sink a new sink-id (its ledger starts empty: what the "
                  + (batch.micro() ? "query" : "run")
                  + " reads is written again)");
        }
        return true;
      }
    }
  }

  /**
   * Records {@code batch}, first thing in the merge's transaction: a concurrent merge of the same
   * batch waits on the ledger's key until this transaction ends, then fails on it.
   */
  static void record(
      Connection connection, Database database, String ledger, JdbcTarget target, Batch batch)
      throws SQLException {
    try (PreparedStatement record =
        connection.prepareStatement(
            "INSERT INTO "
                + ledger
                + " ("
                + String.join(
                    ", ",
                    database.quote("sink_id"),
                    database.quote("batch_id"),
                    database.quote("rows"),
                    database.quote("reads"),
                    database.quote("committed_at"))
                + ") VALUES (?, ?, 0, ?, CURRENT_TIMESTAMP)")) {
      record.setString(1, target.sinkId());
      record.setString(2, batch.id());
      record.setString(3, batch.reads().orElse(null));
      record.executeUpdate();
    }
  }

  /** Sets the rows the merge wrote, in its transaction. */
  static void count(
      Connection connection,
      Database database,
      String ledger,
      JdbcTarget target,
      Batch batch,
      long rows)
      throws SQLException {
    try (PreparedStatement count =
        connection.prepareStatement(
            "UPDATE "
                + ledger
                + " SET "
                + database.quote("rows")
                + " = ? WHERE "
                + database.quote("sink_id")
                + " = ? AND "
                + database.quote("batch_id")
                + " = ?")) {
      count.setLong(1, rows);
      count.setString(2, target.sinkId());
      count.setString(3, batch.id());
      count.executeUpdate();
    }
  }
}

package io.lambdaflow.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.Optional;

/**
 * The ledger table {@code lambda_ledger} in the target's schema: one row per batch a sink merged,
 * keyed by the sink's id and the batch's id, committed in the merge's own transaction. With the
 * batch's id it records what the batch read (a micro-batch's source offsets, when the speed layer
 * knows them), so that a replay, which reads the same, is told from another batch under a reused
 * id, which a lost or reset checkpoint produces.
 */
final class PgLedger {
  private PgLedger() {}

  /**
   * A ledgered batch: its id, what it read ({@code reads}, empty when unknown), and whether it is a
   * micro-batch (or a batch run's write).
   */
  record Batch(String id, Optional<String> reads, boolean micro) {}

  /** Creates the ledger if absent; adds the {@code reads} column to one made before it existed. */
  static void create(Connection connection, PgTarget target) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE IF NOT EXISTS "
              + target.ledger()
              + " (sink_id text NOT NULL, batch_id text NOT NULL, rows bigint NOT NULL,"
              + " committed_at timestamp with time zone NOT NULL DEFAULT now(), reads text,"
              + " PRIMARY KEY (sink_id, batch_id))");
      statement.execute("ALTER TABLE " + target.ledger() + " ADD COLUMN IF NOT EXISTS reads text");
    }
  }

  /** Serialises merges of the sink (whichever process runs them) until the transaction ends. */
  static void lock(Connection connection, PgTarget target) throws SQLException {
    try (PreparedStatement lock =
        connection.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
      lock.setString(1, target.ledger() + " " + target.sinkId());
      lock.execute();
    }
  }

  /**
   * Whether the ledger has {@code batch} already: a replay, written before and not to be written
   * again.
   *
   * @throws IllegalStateException when the ledger has the batch's id with other reads than {@code
   *     batch}'s: the checkpoint that numbers the batches was lost or reset
   */
  static boolean has(Connection connection, PgTarget target, Batch batch) throws SQLException {
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT reads FROM " + target.ledger() + " WHERE sink_id = ? AND batch_id = ?")) {
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

  /** Records {@code batch} as merged with {@code rows} rows, in the merge's transaction. */
  static void record(Connection connection, PgTarget target, Batch batch, long rows)
      throws SQLException {
    try (PreparedStatement record =
        connection.prepareStatement(
            "INSERT INTO "
                + target.ledger()
                + " (sink_id, batch_id, rows, reads) VALUES (?, ?, ?, ?)")) {
      record.setString(1, target.sinkId());
      record.setString(2, batch.id());
      record.setLong(3, rows);
      record.setString(4, batch.reads().orElse(null));
      record.executeUpdate();
    }
  }
}

package io.lambdaflow.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The ledger ({@link Ledger}) in PostgreSQL: created in the target's schema, and a lock. */
final class PgLedger {
  private PgLedger() {}

  /** Creates the ledger if absent; adds the {@code reads} column to one made before it existed. */
  static void create(Connection connection, JdbcTarget target) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE IF NOT EXISTS "
              + target.ledger()
              + " (sink_id text NOT NULL, batch_id text NOT NULL, rows bigint NOT NULL,"
              + " committed_at timestamp with time zone NOT NULL DEFAULT now(), reads text,"
              + " PRIMARY KEY (sink_id, batch_id))");
    }
    // A ledger made before it recorded reads gains the column; checked first, as altering the
    // table needs its owner and an exclusive lock that every sink sharing the ledger would wait on.
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = ? AND table_name = ?"
                + " AND column_name = 'reads'")) {
      query.setString(1, PgTypes.schemaOf(target.table()));
      query.setString(2, JdbcTarget.LEDGER);
      try (ResultSet rows = query.executeQuery()) {
        if (rows.next()) {
          return;
        }
      }
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute("ALTER TABLE " + target.ledger() + " ADD COLUMN IF NOT EXISTS reads text");
    }
  }

  /**
   * Serialises the making of tables and the ledger in the target's schema until the transaction
   * ends: PostgreSQL's {@code CREATE TABLE IF NOT EXISTS} fails (SQLSTATE 23505 or 42P07) when
   * another session creates the same table at the same moment, as sinks starting together do with
   * the ledger they share.
   */
  static void lockDefinitions(Connection connection, JdbcTarget target) throws SQLException {
    try (PreparedStatement lock =
        connection.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
      lock.setString(1, "definitions " + target.ledger());
      lock.execute();
    }
  }

  /** Serialises merges of the sink (whichever process runs them) until the transaction ends. */
  static void lock(Connection connection, JdbcTarget target) throws SQLException {
    try (PreparedStatement lock =
        connection.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
      lock.setString(1, target.ledger() + " " + target.sinkId());
      lock.execute();
    }
  }
}

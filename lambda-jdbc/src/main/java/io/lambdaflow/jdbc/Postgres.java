package io.lambdaflow.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * PostgreSQL: binary COPY into an unlogged staging table ({@link PgBinaryCopy}), tables and types
 * by {@link PgTables} and {@link PgTypes}, the ledger in the target's schema under an advisory
 * lock, upserts with {@code ON CONFLICT}.
 */
final class Postgres implements Database {
  @Override
  public String quote(String identifier) {
    return PgTypes.quote(identifier);
  }

  @Override
  public String table(JdbcTarget target) {
    return PgTypes.quoteTable(target.table());
  }

  @Override
  public String ledger(JdbcTarget target) {
    return quote(PgTypes.schemaOf(target.table())) + "." + quote(JdbcTarget.LEDGER);
  }

  /** In the target's schema, named for the sink and the batch (a hash of both when too long). */
  @Override
  public String stage(JdbcTarget target, String batch) {
    String raw = "lambda_stage_" + target.sinkId() + "_" + batch;
    String name = raw.replaceAll("[^A-Za-z0-9_]", "_").toLowerCase(Locale.ROOT);
    // Distinct sinks a-b, a_b and A_B must not share a staging table: a hash when a name changed.
    if (!name.equals(raw) && name.length() <= 54) {
      name = name + "_" + Integer.toHexString(raw.hashCode());
    } else if (name.length() > 63) {
      name =
          name.substring(0, 50)
              + "_"
              + Integer.toHexString((target.sinkId() + "\n" + batch).hashCode());
    }
    return quote(PgTypes.schemaOf(target.table())) + "." + quote(name);
  }

  @Override
  public void prepare(JdbcTarget target, StructType schema, boolean createTable)
      throws SQLException {
    PgTables.prepare(target, schema, createTable);
  }

  @Override
  public void createStage(JdbcTarget target, String stage, StructType schema) throws SQLException {
    PgTables.stage(target, stage, schema);
  }

  @Override
  public long stageRows(
      Connection connection,
      String stage,
      StructType schema,
      Iterator<InternalRow> rows,
      int part,
      long task)
      throws Exception {
    List<String> columns = stagedColumns(schema);
    String copy =
        "COPY " + stage + " (" + String.join(", ", columns) + ") FROM STDIN (FORMAT binary)";
    long staged = 0;
    try (PGCopyOutputStream out =
            new PGCopyOutputStream(connection.unwrap(PGConnection.class), copy, 1 << 16);
        PgBinaryCopy encoder = new PgBinaryCopy(out, schema)) {
      while (rows.hasNext()) {
        encoder.write(rows.next(), part, task, staged++);
      }
    }
    return staged;
  }

  @Override
  public List<String> targetColumns(Connection connection, JdbcTarget target, StructType schema) {
    return columns(schema);
  }

  @Override
  public void lock(Connection connection, JdbcTarget target) throws SQLException {
    PgLedger.lock(connection, target);
  }

  @Override
  public boolean upserts() {
    return true;
  }
}

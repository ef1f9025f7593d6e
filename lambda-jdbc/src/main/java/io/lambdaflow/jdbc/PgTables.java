package io.lambdaflow.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The tables a jdbc sink needs before it writes a row: the target (created from the dataset's
 * schema when absent and allowed, else checked column by column), the ledger, and each batch's
 * staging table.
 */
final class PgTables {
  private PgTables() {}

  /**
   * Creates or checks the target, and creates the ledger if absent.
   *
   * @throws IllegalArgumentException for a table whose columns do not fit the data, naming the
   *     column and both types, or an upsert key without a unique index
   */
  static void prepare(JdbcTarget target, StructType schema, boolean createTable)
      throws SQLException {
    for (StructField field : schema.fields()) {
      if (!PgTypes.supported(field.dataType())) {
        throw new IllegalArgumentException(
            "column '"
                + field.name()
                + "' is "
                + field.dataType().simpleString()
                + ", which the jdbc sink does not write; make it text first, e.g. to_json("
                + field.name()
                + ")");
      }
    }
    try (Connection connection = target.connect()) {
      // One transaction under the schema's definitions lock: sinks starting at once (they share
      // the ledger, and may share a table) create each table once, and the others find it made.
      connection.setAutoCommit(false);
      try {
        PgLedger.lockDefinitions(connection, target);
        Map<String, String> columns = columns(connection, target.table());
        if (columns.isEmpty()) {
          if (!createTable) {
            throw new IllegalArgumentException(
                "table " + target.table() + " does not exist (and create-table = false)");
          }
          create(connection, target, schema);
        } else {
          check(connection, target, schema, columns);
        }
        PgLedger.create(connection, target);
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    }
  }

  /**
   * Creates the staging table {@code stage} of a batch, unlogged and without constraints, dropping
   * what an earlier attempt at the batch left.
   */
  static void stage(JdbcTarget target, String stage, StructType schema) throws SQLException {
    try (Connection connection = target.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS " + stage);
      statement.execute(
          "CREATE UNLOGGED TABLE "
              + stage
              + " ("
              + columnsDdl(schema)
              + ", _lambda_part integer NOT NULL, _lambda_task bigint NOT NULL,"
              + " _lambda_seq bigint NOT NULL)");
    }
  }

  private static void create(Connection connection, JdbcTarget target, StructType schema)
      throws SQLException {
    String primaryKey =
        target.key().isEmpty()
            ? ""
            : ", PRIMARY KEY ("
                + target.key().stream().map(PgTypes::quote).collect(Collectors.joining(", "))
                + ")";
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE IF NOT EXISTS "
              + target.quotedTable()
              + " ("
              + columnsDdl(schema)
              + primaryKey
              + ")");
    }
  }

  private static String columnsDdl(StructType schema) {
    List<String> columns = new ArrayList<>();
    for (StructField field : schema.fields()) {
      columns.add(PgTypes.quote(field.name()) + " " + PgTypes.ddl(field.dataType()));
    }
    return String.join(", ", columns);
  }

  private static void check(
      Connection connection, JdbcTarget target, StructType schema, Map<String, String> columns)
      throws SQLException {
    for (StructField field : schema.fields()) {
      String type = columns.get(field.name());
      if (type == null) {
        throw Misfits.missing(target.table(), field, columns.keySet());
      }
      if (!PgTypes.accepted(field.dataType()).contains(type)) {
        throw Misfits.narrower(
            target.table(), field.name(), type, field, PgTypes.ddl(field.dataType()));
      }
    }
    if (target.mode().equals("upsert") && !uniqueOn(connection, target)) {
      throw new IllegalArgumentException(
          "table "
              + target.table()
              + " has no unique index on exactly ("
              + String.join(", ", target.key())
              + "), which an upsert needs: CREATE UNIQUE INDEX ON "
              + target.table()
              + " ("
              + String.join(", ", target.key())
              + ")");
    }
  }

  /** The table's columns and their types (information_schema's data_type); empty if absent. */
  private static Map<String, String> columns(Connection connection, String table)
      throws SQLException {
    Map<String, String> columns = new LinkedHashMap<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT column_name, data_type FROM information_schema.columns"
                + " WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position")) {
      query.setString(1, PgTypes.schemaOf(table));
      query.setString(2, PgTypes.nameOf(table));
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          columns.put(rows.getString(1), rows.getString(2));
        }
      }
    }
    return columns;
  }

  /** Whether a unique index (or primary key) covers exactly the key columns. */
  private static boolean uniqueOn(Connection connection, JdbcTarget target) throws SQLException {
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_index i"
                + " JOIN pg_class c ON c.oid = i.indrelid"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)"
                + " WHERE i.indisunique AND n.nspname = ? AND c.relname = ?"
                + " GROUP BY i.indexrelid")) {
      query.setString(1, PgTypes.schemaOf(target.table()));
      query.setString(2, PgTypes.nameOf(target.table()));
      List<String> wanted = target.key().stream().sorted().toList();
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          List<String> columns = List.of((String[]) rows.getArray(1).getArray());
          if (columns.equals(wanted)) {
            return true;
          }
        }
      }
    }
    return false;
  }
}

package io.lambdaflow.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.jdbc.JdbcUtils;
import org.apache.spark.sql.jdbc.JdbcDialect;
import org.apache.spark.sql.jdbc.JdbcDialects;
import org.apache.spark.sql.jdbc.JdbcType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A database other than PostgreSQL, through any JDBC driver on the classpath: column types from
 * Spark's JDBC dialect for the URL (as Spark's own writer creates tables), rows staged with batched
 * INSERTs, the same ledger, merged in one transaction where the database has transactions. The
 * ledger's primary key stands in for PostgreSQL's advisory lock: of two merges of one batch, the
 * second fails on it and rolls back. Upserts need {@code ON CONFLICT}: PostgreSQL only.
 */
final class OtherDatabase implements Database {
  private static final int BATCH_SIZE = 1_000;

  private final String url;

  OtherDatabase(String url) {
    this.url = url;
  }

  private JdbcDialect dialect() {
    return JdbcDialects.get(url);
  }

  @Override
  public String quote(String identifier) {
    return dialect().quoteIdentifier(identifier);
  }

  /** As given, unquoted, as Spark's JDBC writer names it. */
  @Override
  public String table(JdbcTarget target) {
    return target.table();
  }

  @Override
  public String ledger(JdbcTarget target) {
    return prefix(target) + JdbcTarget.LEDGER;
  }

  /** Beside the target, named by hashes of the sink and the batch (30 characters). */
  @Override
  public String stage(JdbcTarget target, String batch) {
    return prefix(target)
        + String.format("lambda_stage_%08x_%08x", target.sinkId().hashCode(), batch.hashCode());
  }

  private static String prefix(JdbcTarget target) {
    int dot = target.table().lastIndexOf('.');
    return dot < 0 ? "" : target.table().substring(0, dot + 1);
  }

  @Override
  public void prepare(JdbcTarget target, StructType schema, boolean createTable)
      throws SQLException {
    try (Connection connection = target.connect()) {
      Optional<Map<String, JdbcValues.Column>> columns = columns(connection, target.table());
      if (columns.isEmpty()) {
        if (!createTable) {
          throw new IllegalArgumentException(
              "table " + target.table() + " does not exist (and create-table = false)");
        }
        execute(connection, "CREATE TABLE " + target.table() + " (" + columnsDdl(schema) + ")");
      } else {
        check(target, schema, columns.get());
      }
      if (columns(connection, ledger(target)).isEmpty()) {
        String text =
            type(org.apache.spark.sql.types.DataTypes.StringType).databaseTypeDefinition();
        try {
          execute(
              connection,
              "CREATE TABLE "
                  + ledger(target)
                  + " ("
                  + String.join(
                      ", ",
                      // 255 characters: a two-column key within MySQL's 3,072 bytes in utf8mb4
                      quote("sink_id") + " VARCHAR(255) NOT NULL",
                      quote("batch_id") + " VARCHAR(255) NOT NULL",
                      quote("rows") + " " + ddl(DataTypes.LongType) + " NOT NULL",
                      quote("committed_at") + " " + ddl(DataTypes.TimestampType),
                      quote("reads") + " " + text,
                      "PRIMARY KEY (" + quote("sink_id") + ", " + quote("batch_id") + ")")
                  + ")");
        } catch (SQLException e) {
          if (columns(connection, ledger(target)).isEmpty()) {
            throw e; // not another process creating it at the same moment
          }
        }
      }
    }
  }

  @Override
  public void createStage(JdbcTarget target, String stage, StructType schema) throws SQLException {
    try (Connection connection = target.connect()) {
      if (columns(connection, stage).isPresent()) {
        execute(connection, "DROP TABLE " + stage);
      }
      execute(
          connection,
          "CREATE TABLE "
              + stage
              + " ("
              + columnsDdl(schema)
              + ", "
              + quote("_lambda_part")
              + " "
              + ddl(DataTypes.IntegerType)
              + " NOT NULL, "
              + quote("_lambda_task")
              + " "
              + ddl(DataTypes.LongType)
              + " NOT NULL, "
              + quote("_lambda_seq")
              + " "
              + ddl(DataTypes.LongType)
              + " NOT NULL)");
    }
  }

  @Override
  public long stageRows(
      Connection connection,
      String stage,
      StructType schema,
      Iterator<InternalRow> rows,
      int part,
      long task)
      throws SQLException {
    StructField[] fields = schema.fields();
    List<String> columns = stagedColumns(schema);
    String insert =
        "INSERT INTO "
            + stage
            + " ("
            + String.join(", ", columns)
            + ") VALUES ("
            + String.join(", ", java.util.Collections.nCopies(columns.size(), "?"))
            + ")";
    int[] nullTypes = new int[fields.length];
    for (int i = 0; i < fields.length; i++) {
      nullTypes[i] = type(fields[i].dataType()).jdbcNullType();
    }
    long staged = 0;
    try (PreparedStatement statement = connection.prepareStatement(insert)) {
      while (rows.hasNext()) {
        InternalRow row = rows.next();
        for (int i = 0; i < fields.length; i++) {
          if (row.isNullAt(i)) {
            statement.setNull(i + 1, nullTypes[i]);
          } else {
            JdbcValues.set(statement, i + 1, fields[i].dataType(), row, i);
          }
        }
        statement.setInt(fields.length + 1, part);
        statement.setLong(fields.length + 2, task);
        statement.setLong(fields.length + 3, staged++);
        statement.addBatch();
        if (staged % BATCH_SIZE == 0) {
          statement.executeBatch();
        }
      }
      statement.executeBatch();
    }
    return staged;
  }

  @Override
  public List<String> targetColumns(Connection connection, JdbcTarget target, StructType schema) {
    Map<String, String> names = new LinkedHashMap<>();
    for (String column : columns(connection, target.table()).orElse(Map.of()).keySet()) {
      names.put(column.toLowerCase(Locale.ROOT), column);
    }
    List<String> columns = new ArrayList<>();
    for (StructField field : schema.fields()) {
      columns.add(quote(names.getOrDefault(field.name().toLowerCase(Locale.ROOT), field.name())));
    }
    return columns;
  }

  /** No lock: the ledger's primary key keeps a second merge of a batch from committing. */
  @Override
  public void lock(Connection connection, JdbcTarget target) {}

  @Override
  public boolean upserts() {
    return false;
  }

  /** Spark's type for {@code type} in this database: the dialect's, else the common one. */
  private JdbcType type(DataType type) {
    scala.Option<JdbcType> own = dialect().getJDBCType(type);
    return own.isDefined() ? own.get() : JdbcUtils.getCommonJDBCType(type).get();
  }

  /** The column type Spark's dialect gives {@code type} in this database. */
  private String ddl(DataType type) {
    return type(type).databaseTypeDefinition();
  }

  private String columnsDdl(StructType schema) {
    List<String> columns = new ArrayList<>();
    for (StructField field : schema.fields()) {
      columns.add(quote(field.name()) + " " + type(field.dataType()).databaseTypeDefinition());
    }
    return String.join(", ", columns);
  }

  private void check(JdbcTarget target, StructType schema, Map<String, JdbcValues.Column> columns)
      throws SQLException {
    Map<String, String> names = new LinkedHashMap<>();
    for (String column : columns.keySet()) {
      names.put(column.toLowerCase(Locale.ROOT), column);
    }
    for (StructField field : schema.fields()) {
      String column = names.get(field.name().toLowerCase(Locale.ROOT));
      if (column == null) {
        throw Misfits.missing(target.table(), field, columns.keySet());
      }
      JdbcValues.Column found = columns.get(column);
      if (!JdbcValues.fits(field.dataType(), found)) {
        throw Misfits.narrower(
            target.table(),
            column,
            found.name()
                + (found.precision() > 0 && found.type() == Types.DECIMAL
                    ? "(" + found.precision() + "," + found.scale() + ")"
                    : ""),
            field,
            ddl(field.dataType()));
      }
    }
  }

  /** The columns of {@code table} and their JDBC types; empty when there is no such table. */
  private static Optional<Map<String, JdbcValues.Column>> columns(
      Connection connection, String table) {
    try (Statement statement = connection.createStatement();
        ResultSet empty = statement.executeQuery("SELECT * FROM " + table + " WHERE 1 = 0")) {
      ResultSetMetaData meta = empty.getMetaData();
      Map<String, JdbcValues.Column> columns = new LinkedHashMap<>();
      for (int i = 1; i <= meta.getColumnCount(); i++) {
        columns.put(
            meta.getColumnName(i),
            new JdbcValues.Column(
                meta.getColumnType(i),
                meta.getColumnTypeName(i),
                meta.getPrecision(i),
                meta.getScale(i)));
      }
      return Optional.of(columns);
    } catch (SQLException e) {
      return Optional.empty(); // as Spark's writer decides whether a table exists
    }
  }

  private static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}

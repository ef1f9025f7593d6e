package io.lambdaflow.jdbc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdaflow.spi.Rejections;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The merge of a batch the database refused a row of: each staged row on its own, under a
 * savepoint, the refused ones to the dead letters with the database's reason, and the rest landing.
 */
final class RowByRow {
  private static final Logger LOG = LoggerFactory.getLogger(RowByRow.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private RowByRow() {}

  /**
   * Each staged row of the batch on its own, in order, under a savepoint: a row the database
   * refuses is rolled back to it and sent to {@code rejections} (before the transaction commits)
   * with the database's reason, its place in the batch and the row as JSON.
   */
  static long merge(
      Connection connection,
      JdbcTarget target,
      Database database,
      StructType schema,
      StagedWrite.Staged staged,
      Rejections rejections)
      throws SQLException {
    if (!connection.getMetaData().supportsSavepoints()) {
      throw new SQLException(
          "the database refused a row of batch "
              + staged.batch()
              + ", and without savepoints the sink cannot set it aside");
    }
    record StagedRow(int part, long seq, String json) {}
    List<StagedRow> rows = new ArrayList<>();
    String part = database.quote("_lambda_part");
    String seq = database.quote("_lambda_seq");
    List<String> columns = database.columns(schema);
    try (Statement query = connection.createStatement();
        ResultSet result =
            query.executeQuery(
                "SELECT "
                    + part
                    + ", "
                    + seq
                    + ", "
                    + String.join(", ", columns)
                    + " FROM "
                    + staged.stage()
                    + staged.where()
                    + " ORDER BY "
                    + part
                    + ", "
                    + seq)) {
      while (result.next()) {
        rows.add(new StagedRow(result.getInt(1), result.getLong(2), json(result, schema)));
      }
    }
    long merged = 0;
    List<Rejections.Rejected> refused = new ArrayList<>();
    try (PreparedStatement insert =
        connection.prepareStatement(
            StagedWrite.mergeSql(
                connection,
                target,
                database,
                schema,
                staged,
                " AND " + part + " = ? AND " + seq + " = ?"))) {
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

  /** A staged row's data columns (from the third on) as a JSON object. */
  private static String json(ResultSet result, StructType schema) throws SQLException {
    ObjectNode node = JSON.createObjectNode();
    StructField[] fields = schema.fields();
    for (int i = 0; i < fields.length; i++) {
      int column = i + 3;
      String name = fields[i].name();
      int type = result.getMetaData().getColumnType(column);
      Object value = switch (type) { // large objects are read once, as what they hold
            case Types.CLOB, Types.NCLOB, Types.LONGVARCHAR -> result.getString(column);
            case Types.BLOB, Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY ->
                result.getBytes(column);
            default -> result.getObject(column);
          };
      if (value == null) {
        node.putNull(name);
      } else if (value instanceof BigDecimal decimal) {
        node.put(name, decimal);
      } else if (value instanceof Float f) {
        node.put(name, f);
      } else if (value instanceof Double d) {
        node.put(name, d);
      } else if (value instanceof Number number) {
        node.put(name, number.longValue());
      } else if (value instanceof Boolean bool) {
        node.put(name, bool);
      } else if (value instanceof byte[] bytes) {
        node.put(name, bytes);
      } else if (value instanceof Timestamp timestamp) {
        node.put(name, timestamp.toInstant().toString()); // an instant, not the JVM's wall clock
      } else {
        node.put(name, value.toString());
      }
    }
    return node.toString();
  }

  /** Whether the database refused the data itself: a data exception or a broken constraint. */
  static boolean refusedData(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("22") || state.startsWith("23"));
  }

  /** The database's message without its "ERROR: " and detail lines. */
  static String firstLine(SQLException e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return (newline < 0 ? message : message.substring(0, newline)).replaceFirst("^ERROR: ", "");
  }
}

package io.lambdaflow.jdbc;

import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Spark values into JDBC parameters, and which JDBC column types take them: for databases other
 * than PostgreSQL ({@link OtherDatabase}).
 */
final class JdbcValues {
  private JdbcValues() {}

  /** Sets parameter {@code index} to the non-null field {@code i} of {@code row}. */
  static void set(PreparedStatement statement, int index, DataType type, InternalRow row, int i)
      throws SQLException {
    if (type instanceof BooleanType) {
      statement.setBoolean(index, row.getBoolean(i));
    } else if (type instanceof ByteType) {
      statement.setShort(index, row.getByte(i));
    } else if (type instanceof ShortType) {
      statement.setShort(index, row.getShort(i));
    } else if (type instanceof IntegerType) {
      statement.setInt(index, row.getInt(i));
    } else if (type instanceof LongType) {
      statement.setLong(index, row.getLong(i));
    } else if (type instanceof FloatType) {
      statement.setFloat(index, row.getFloat(i));
    } else if (type instanceof DoubleType) {
      statement.setDouble(index, row.getDouble(i));
    } else if (type instanceof DecimalType decimal) {
      statement.setBigDecimal(
          index, row.getDecimal(i, decimal.precision(), decimal.scale()).toJavaBigDecimal());
    } else if (type instanceof StringType) {
      statement.setString(index, row.getUTF8String(i).toString());
    } else if (type instanceof BinaryType) {
      statement.setBytes(index, row.getBinary(i));
    } else if (type instanceof DateType) {
      statement.setDate(index, Date.valueOf(LocalDate.ofEpochDay(row.getInt(i))));
    } else if (type instanceof TimestampNTZType) {
      long micros = row.getLong(i);
      statement.setTimestamp(
          index,
          Timestamp.valueOf(
              LocalDateTime.ofEpochSecond(
                  Math.floorDiv(micros, 1_000_000L),
                  (int) Math.floorMod(micros, 1_000_000L) * 1_000,
                  ZoneOffset.UTC)));
    } else { // TimestampType: microseconds since the epoch, UTC
      long micros = row.getLong(i);
      statement.setTimestamp(
          index,
          Timestamp.from(
              Instant.ofEpochSecond(
                  Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000)));
    }
  }

  /**
   * A column of a table, as JDBC describes it.
   *
   * @param type its {@link Types} code
   * @param name its type's name in the database
   * @param precision its precision (digits for a decimal; 0 when the database does not say)
   * @param scale its scale
   */
  record Column(int type, String name, int precision, int scale) {}

  /**
   * Whether every value of {@code type} goes into {@code column} as it is: the same kind, and no
   * narrower (a double into an integer column, or a decimal(12,4) into a decimal(10,2), would be
   * rounded or cut by some databases without a word).
   */
  static boolean fits(DataType type, Column column) {
    int jdbc = column.type();
    boolean decimal = jdbc == Types.DECIMAL || jdbc == Types.NUMERIC;
    boolean doubles = jdbc == Types.DOUBLE || jdbc == Types.FLOAT; // JDBC FLOAT is double
    if (type instanceof StringType) {
      return switch (jdbc) {
        case Types.CHAR,
                Types.VARCHAR,
                Types.LONGVARCHAR,
                Types.CLOB,
                Types.NCHAR,
                Types.NVARCHAR,
                Types.LONGNVARCHAR,
                Types.NCLOB ->
            true;
        default -> false;
      };
    } else if (type instanceof BooleanType) {
      return jdbc == Types.BOOLEAN || jdbc == Types.BIT;
    } else if (type instanceof BinaryType) {
      return jdbc == Types.BINARY
          || jdbc == Types.VARBINARY
          || jdbc == Types.LONGVARBINARY
          || jdbc == Types.BLOB;
    } else if (type instanceof DateType) {
      return jdbc == Types.DATE || jdbc == Types.TIMESTAMP;
    } else if (type instanceof TimestampNTZType || type instanceof TimestampType) {
      return jdbc == Types.TIMESTAMP || jdbc == Types.TIMESTAMP_WITH_TIMEZONE;
    } else if (type instanceof ByteType) {
      return jdbc == Types.TINYINT || fitsShort(jdbc, decimal, doubles, column, 3);
    } else if (type instanceof ShortType) {
      return fitsShort(jdbc, decimal, doubles, column, 5);
    } else if (type instanceof IntegerType) {
      return jdbc == Types.INTEGER || jdbc == Types.BIGINT || doubles || digits(column, 10, 0);
    } else if (type instanceof LongType) {
      return jdbc == Types.BIGINT || (decimal && digits(column, 19, 0));
    } else if (type instanceof FloatType) {
      return jdbc == Types.REAL || doubles;
    } else if (type instanceof DoubleType) {
      return doubles;
    } else if (type instanceof DecimalType d) {
      return decimal && digits(column, d.precision() - d.scale(), d.scale());
    }
    return false;
  }

  private static boolean fitsShort(
      int jdbc, boolean decimal, boolean doubles, Column column, int digits) {
    return jdbc == Types.SMALLINT
        || jdbc == Types.INTEGER
        || jdbc == Types.BIGINT
        || doubles
        || (decimal && digits(column, digits, 0));
  }

  /**
   * Whether a decimal column holds {@code whole} digits before the point and {@code fraction} after
   * it (a column whose database does not say its precision does).
   */
  private static boolean digits(Column column, int whole, int fraction) {
    boolean decimal = column.type() == Types.DECIMAL || column.type() == Types.NUMERIC;
    if (!decimal) {
      return false;
    }
    if (column.precision() <= 0) {
      return true;
    }
    return column.scale() >= fraction && column.precision() - column.scale() >= whole;
  }
}

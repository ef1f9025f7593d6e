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

  /** Whether a value of {@code type} goes into a column of JDBC type {@code jdbcType}. */
  static boolean fits(DataType type, int jdbcType) {
    boolean number =
        switch (jdbcType) {
          case Types.TINYINT,
                  Types.SMALLINT,
                  Types.INTEGER,
                  Types.BIGINT,
                  Types.DECIMAL,
                  Types.NUMERIC,
                  Types.REAL,
                  Types.FLOAT,
                  Types.DOUBLE ->
              true;
          default -> false;
        };
    boolean text =
        switch (jdbcType) {
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
    if (type instanceof StringType) {
      return text;
    } else if (type instanceof BooleanType) {
      return jdbcType == Types.BOOLEAN || jdbcType == Types.BIT;
    } else if (type instanceof BinaryType) {
      return jdbcType == Types.BINARY
          || jdbcType == Types.VARBINARY
          || jdbcType == Types.LONGVARBINARY
          || jdbcType == Types.BLOB;
    } else if (type instanceof DateType) {
      return jdbcType == Types.DATE || jdbcType == Types.TIMESTAMP;
    } else if (type instanceof TimestampNTZType || type instanceof TimestampType) {
      return jdbcType == Types.TIMESTAMP || jdbcType == Types.TIMESTAMP_WITH_TIMEZONE;
    }
    return number;
  }
}

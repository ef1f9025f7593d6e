package io.lambdaflow.jdbc;

import java.util.List;
import java.util.Map;
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
 * How the jdbc sink maps Spark types to PostgreSQL's, for tables it creates and for checking a
 * table that exists.
 *
 * <pre>
 * boolean         boolean            date             date
 * tinyint, short  smallint           timestamp        timestamp with time zone
 * int             integer            timestamp_ntz    timestamp without time zone
 * bigint          bigint             string           text
 * float           real               binary           bytea
 * double          double precision   decimal(p,s)     numeric(p,s)
 * </pre>
 *
 * Arrays, maps and structs are not written: turn them into text first ({@code to_json(col)}).
 */
final class PgTypes {
  private PgTypes() {}

  /** The PostgreSQL type a column of {@code type} is created with. */
  static String ddl(DataType type) {
    if (type instanceof DecimalType decimal) {
      return "numeric(" + decimal.precision() + "," + decimal.scale() + ")";
    }
    return switch (family(type)) {
      case "boolean" -> "boolean";
      case "smallint" -> "smallint";
      case "integer" -> "integer";
      case "bigint" -> "bigint";
      case "real" -> "real";
      case "double" -> "double precision";
      case "text" -> "text";
      case "bytea" -> "bytea";
      case "date" -> "date";
      case "timestamptz" -> "timestamp with time zone";
      case "timestamp" -> "timestamp without time zone";
      default -> throw new IllegalStateException(type.simpleString());
    };
  }

  /**
   * The PostgreSQL types (information_schema.columns.data_type) a column of {@code type} may be
   * written into: its own, and wider ones the database converts it to without loss.
   */
  static List<String> accepted(DataType type) {
    return ACCEPTED.get(family(type));
  }

  private static final Map<String, List<String>> ACCEPTED =
      Map.ofEntries(
          Map.entry("boolean", List.of("boolean")),
          Map.entry("smallint", List.of("smallint", "integer", "bigint", "numeric")),
          Map.entry("integer", List.of("integer", "bigint", "numeric")),
          Map.entry("bigint", List.of("bigint", "numeric")),
          Map.entry("real", List.of("real", "double precision")),
          Map.entry("double", List.of("double precision")),
          Map.entry("numeric", List.of("numeric")),
          Map.entry("text", List.of("text", "character varying", "character")),
          Map.entry("bytea", List.of("bytea")),
          Map.entry(
              "date", List.of("date", "timestamp without time zone", "timestamp with time zone")),
          Map.entry("timestamptz", List.of("timestamp with time zone")),
          Map.entry("timestamp", List.of("timestamp without time zone")));

  /** Whether the sink writes columns of {@code type}. */
  static boolean supported(DataType type) {
    return !family(type).isEmpty();
  }

  /** The family of {@code type}: the key of its mapping, or empty when it is not written. */
  static String family(DataType type) {
    if (type instanceof BooleanType) {
      return "boolean";
    } else if (type instanceof ByteType || type instanceof ShortType) {
      return "smallint";
    } else if (type instanceof IntegerType) {
      return "integer";
    } else if (type instanceof LongType) {
      return "bigint";
    } else if (type instanceof FloatType) {
      return "real";
    } else if (type instanceof DoubleType) {
      return "double";
    } else if (type instanceof DecimalType) {
      return "numeric";
    } else if (type instanceof StringType) {
      return "text";
    } else if (type instanceof BinaryType) {
      return "bytea";
    } else if (type instanceof DateType) {
      return "date";
    } else if (type instanceof TimestampType) {
      return "timestamptz";
    } else if (type instanceof TimestampNTZType) {
      return "timestamp";
    }
    return "";
  }

  /** {@code identifier} quoted for PostgreSQL. */
  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  /** A table name, {@code schema.table} or {@code table}, quoted part by part. */
  static String quoteTable(String table) {
    int dot = table.indexOf('.');
    return dot < 0
        ? quote(table)
        : quote(table.substring(0, dot)) + "." + quote(table.substring(dot + 1));
  }

  /** The schema of a table name ({@code public} when it names none). */
  static String schemaOf(String table) {
    int dot = table.indexOf('.');
    return dot < 0 ? "public" : table.substring(0, dot);
  }

  /** The bare name of a table. */
  static String nameOf(String table) {
    int dot = table.indexOf('.');
    return dot < 0 ? table : table.substring(dot + 1);
  }
}

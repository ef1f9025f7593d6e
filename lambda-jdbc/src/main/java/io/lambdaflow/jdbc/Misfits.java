package io.lambdaflow.jdbc;

import java.util.Collection;
import org.apache.spark.sql.types.StructField;

/** The errors of a table that exists but does not fit the data, the same for every database. */
final class Misfits {
  private Misfits() {}

  /** The table has no column for {@code field}. */
  static IllegalArgumentException missing(
      String table, StructField field, Collection<String> columns) {
    return new IllegalArgumentException(
        "table "
            + table
            + " has no column '"
            + field.name()
            + "' for the dataset's "
            + field.dataType().simpleString()
            + " column; its columns: "
            + String.join(", ", columns));
  }

  /** Column {@code column}, of type {@code type}, does not take {@code field}'s values. */
  static IllegalArgumentException narrower(
      String table, String column, String type, StructField field, String writtenAs) {
    return new IllegalArgumentException(
        "table "
            + table
            + " column '"
            + column
            + "' is "
            + type
            + ", but the dataset's '"
            + field.name()
            + "' is "
            + field.dataType().simpleString()
            + " (written as "
            + writtenAs
            + "); change the column or cast the data");
  }
}

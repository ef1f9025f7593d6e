package io.lambdaflow.plugins.transforms;

import io.lambdaflow.spi.MetadataColumns;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/** Column helpers shared by the built-in transforms. */
final class Columns {
  private Columns() {}

  /** Fails with the dataset's columns listed when {@code name} is not one of them. */
  static void requireExists(Dataset<Row> data, String name) {
    List<String> columns = Arrays.asList(data.columns());
    if (!columns.contains(name)) {
      throw new IllegalArgumentException(
          "column '" + name + "' does not exist; the input has " + userColumns(data));
    }
  }

  /** The columns a user sees: all but framework metadata. */
  static List<String> userColumns(Dataset<Row> data) {
    return Arrays.stream(data.columns()).filter(c -> !MetadataColumns.isMetadata(c)).toList();
  }

  /** The framework metadata columns present in {@code data}, as columns to select. */
  static List<Column> metadata(Dataset<Row> data) {
    return Arrays.stream(data.columns())
        .filter(MetadataColumns::isMetadata)
        .map(functions::col)
        .toList();
  }

  /** Quotes a column name for use in an expression. */
  static Column named(String name) {
    return functions.col("`" + name.replace("`", "``") + "`");
  }
}

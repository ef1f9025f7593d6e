package io.lambdaflow.plugins.transforms;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import io.lambdaflow.spi.DeadLetters;
import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.spi.TransformContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Splits rows whose values a transform cannot convert from the rest: a row with any error goes to
 * the dead letters (the errors joined as its reason, its columns as JSON, its position), the others
 * go on.
 */
final class Rejects {
  private static final String ERRORS = MetadataColumns.PREFIX + "value_errors";

  private Rejects() {}

  /**
   * The rows of {@code data} without an error; the others dead-lettered.
   *
   * @param errors one column per checked value: its error text, or null when it converted
   * @param raw the columns the dead letter's raw JSON shows
   */
  static Dataset<Row> split(
      TransformContext ctx, Dataset<Row> data, List<Column> errors, List<String> raw) {
    Dataset<Row> marked =
        ctx.reuse(data.withColumn(ERRORS, concat_ws("; ", errors.toArray(Column[]::new))));
    List<Column> rejected = new ArrayList<>();
    rejected.add(col(ERRORS).alias(DeadLetters.REASON));
    rejected.add(
        to_json(struct(raw.stream().map(Columns::named).toArray(Column[]::new)))
            .alias(DeadLetters.RAW));
    if (Arrays.asList(data.columns()).contains(MetadataColumns.POSITION)) {
      rejected.add(col(MetadataColumns.POSITION));
    }
    ctx.deadLetter(marked.filter(col(ERRORS).notEqual("")).select(rejected.toArray(Column[]::new)));
    return marked.filter(col(ERRORS).equalTo("")).drop(ERRORS);
  }
}

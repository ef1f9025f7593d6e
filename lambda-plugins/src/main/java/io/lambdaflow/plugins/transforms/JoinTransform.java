package io.lambdaflow.plugins.transforms;

import static io.lambdaflow.spi.ConfigOption.optional;
import static io.lambdaflow.spi.ConfigOption.required;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.Transform;
import io.lambdaflow.spi.TransformFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code type = join}: enriches each row of the first input with the matching row of the second (a
 * dimension, typically) by key columns. A row without a match is a dead letter naming its key
 * ({@code unmatched = dead-letter}, the default), kept with nulls ({@code keep}) or left out
 * ({@code drop}); so with the default every input row is either enriched or a dead letter. The
 * second input should have one row per key: more multiply the row.
 */
public final class JoinTransform implements TransformFactory {
  static final ConfigOption<List<String>> ON =
      required(
          "on",
          OptionTypes.stringList(),
          "The key columns, named alike in both inputs ([trip_id]).");
  static final ConfigOption<String> UNMATCHED =
      optional(
          "unmatched",
          OptionTypes.oneOf("dead-letter", "keep", "drop"),
          "dead-letter",
          "What a row without a match becomes: a dead letter naming its key, kept with nulls, or"
              + " left out.");

  private static final String MATCHED = MetadataColumns.PREFIX + "join_matched";

  @Override
  public String name() {
    return "join";
  }

  @Override
  public String description() {
    return "Enriches each row of the first input with the second input's row of the same key;"
        + " a row without one is a dead letter.";
  }

  @Override
  public Options options() {
    return Options.of(ON, UNMATCHED);
  }

  @Override
  public Transform create(PluginConfig config, PluginContext context) {
    List<String> on = config.get(ON);
    String unmatched = config.get(UNMATCHED);
    return ctx -> {
      if (ctx.inputNames().size() != 2) {
        throw new IllegalArgumentException(
            "a join reads two inputs, the rows and what enriches them (inputs = [stop_times,"
                + " trips]); it has "
                + ctx.inputNames());
      }
      Dataset<Row> left = ctx.input(ctx.inputNames().get(0));
      Dataset<Row> right = ctx.input(ctx.inputNames().get(1));
      List<String> leftColumns = Arrays.asList(left.columns());
      List<String> both = new ArrayList<>();
      for (String column : right.columns()) {
        if (!on.contains(column)
            && !MetadataColumns.isMetadata(column)
            && leftColumns.contains(column)) {
          both.add(column);
        }
      }
      if (!both.isEmpty()) {
        throw new IllegalArgumentException(
            "columns "
                + both
                + " are in both '"
                + ctx.inputNames().get(0)
                + "' and '"
                + ctx.inputNames().get(1)
                + "'; join on them, or rename or drop them in one input first");
      }
      List<Column> rightColumns = new ArrayList<>();
      for (String column : right.columns()) {
        if (!MetadataColumns.isMetadata(column)) {
          rightColumns.add(Columns.named(column));
        }
      }
      rightColumns.add(lit(true).alias(MATCHED));
      Dataset<Row> joined =
          left.join(
              right.select(rightColumns.toArray(Column[]::new)),
              scala.collection.JavaConverters.asScalaBuffer(on).toSeq(),
              "left_outer");
      if (unmatched.equals("keep")) {
        return joined.drop(MATCHED);
      }
      if (unmatched.equals("drop")) {
        return joined.where(col(MATCHED).isNotNull()).drop(MATCHED);
      }
      Column error =
          when(
                  col(MATCHED).isNull(),
                  concat(lit("no row of '" + ctx.inputNames().get(1) + "' with "), keyText(on)))
              .otherwise(lit(null).cast("string"));
      List<String> raw = leftColumns.stream().filter(c -> !MetadataColumns.isMetadata(c)).toList();
      return Rejects.split(ctx, joined, List.of(error), raw).drop(MATCHED);
    };
  }

  /** {@code trip_id = 't1', stop = 's2'}: the key of a row, as the dead letter names it. */
  private static Column keyText(List<String> on) {
    List<Column> parts = new ArrayList<>();
    for (int i = 0; i < on.size(); i++) {
      parts.add(lit((i == 0 ? "" : ", ") + on.get(i) + " = '"));
      parts.add(
          org.apache.spark.sql.functions.coalesce(
              Columns.named(on.get(i)).cast("string"), lit("null")));
      parts.add(lit("'"));
    }
    return concat(parts.toArray(Column[]::new));
  }
}

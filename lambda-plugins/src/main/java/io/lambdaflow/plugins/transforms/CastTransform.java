package io.lambdaflow.plugins.transforms;

import static io.lambdaflow.spi.ConfigOption.optional;
import static io.lambdaflow.spi.ConfigOption.required;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.Transform;
import io.lambdaflow.spi.TransformFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;

/**
 * {@code type = cast}: changes column types. A value that cannot be converted (text "abc" to int)
 * makes its row a dead letter, unless {@code on-error = set-null} asks for Spark's usual null.
 */
public final class CastTransform implements TransformFactory {

  static final ConfigOption<Map<String, DataType>> COLUMNS =
      required(
          "columns",
          OptionTypes.mapOf(OptionTypes.dataType()),
          "Column to Spark SQL type: { amount = \"decimal(10,2)\", n = int }.");
  static final ConfigOption<String> ON_ERROR =
      optional(
          "on-error",
          OptionTypes.oneOf("dead-letter", "set-null"),
          "dead-letter",
          "What a value that cannot be converted does: send its row to the dead-letter sink, or become null.");

  @Override
  public String name() {
    return "cast";
  }

  @Override
  public String description() {
    return "Changes column types; values that cannot be converted send their row to the dead-letter sink.";
  }

  @Override
  public Options options() {
    return Options.of(COLUMNS, ON_ERROR);
  }

  @Override
  public Transform create(PluginConfig config, PluginContext context) {
    Map<String, DataType> columns = config.get(COLUMNS);
    boolean deadLetter = config.get(ON_ERROR).equals("dead-letter");
    return ctx -> {
      Dataset<Row> input = ctx.input();
      columns.keySet().forEach(c -> Columns.requireExists(input, c));
      if (!deadLetter) {
        Dataset<Row> data = input;
        for (Map.Entry<String, DataType> cast : columns.entrySet()) {
          data = data.withColumn(cast.getKey(), Columns.named(cast.getKey()).cast(cast.getValue()));
        }
        return data;
      }
      List<Column> errors = new ArrayList<>();
      for (Map.Entry<String, DataType> cast : columns.entrySet()) {
        Column original = Columns.named(cast.getKey());
        errors.add(
            when(
                original.isNotNull().and(original.cast(cast.getValue()).isNull()),
                concat(
                    lit("cannot cast column '" + cast.getKey() + "' value '"),
                    original.cast("string"),
                    lit("' to " + cast.getValue().simpleString()))));
      }
      Dataset<Row> good = Rejects.split(ctx, input, errors, Columns.userColumns(input));
      for (Map.Entry<String, DataType> cast : columns.entrySet()) {
        good = good.withColumn(cast.getKey(), Columns.named(cast.getKey()).cast(cast.getValue()));
      }
      return good;
    };
  }
}

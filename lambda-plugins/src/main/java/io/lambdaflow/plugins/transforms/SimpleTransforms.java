package io.lambdaflow.plugins.transforms;

import static io.lambdaflow.spi.ConfigOption.optional;
import static io.lambdaflow.spi.ConfigOption.required;
import static org.apache.spark.sql.functions.expr;

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
import org.apache.spark.sql.functions;

/** The one-option transforms: each a Spark operation over the input, the same in both layers. */
public final class SimpleTransforms {
  private SimpleTransforms() {}

  /** {@code type = sql}: a Spark SQL query over the inputs, each a view named after its input. */
  public static final class Sql implements TransformFactory {
    static final ConfigOption<String> QUERY =
        required(
            "query",
            OptionTypes.query(),
            "A Spark SQL SELECT over the inputs; each input is a view named after it (FROM events JOIN trips ...).");

    @Override
    public String name() {
      return "sql";
    }

    @Override
    public String description() {
      return "Runs a Spark SQL query over the named inputs.";
    }

    @Override
    public Options options() {
      return Options.of(QUERY);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      String query = config.get(QUERY);
      return ctx -> {
        for (String input : ctx.inputNames()) {
          ctx.input(input).createOrReplaceTempView(input);
        }
        return ctx.spark().sql(query);
      };
    }
  }

  /** {@code type = filter}: keeps the rows for which a condition holds. */
  public static final class Filter implements TransformFactory {
    static final ConfigOption<String> CONDITION =
        required(
            "condition",
            OptionTypes.expression(),
            "A boolean Spark SQL expression; rows where it is true are kept (event_type = 'purchase_sword').");

    @Override
    public String name() {
      return "filter";
    }

    @Override
    public String description() {
      return "Keeps the rows for which a condition holds.";
    }

    @Override
    public Options options() {
      return Options.of(CONDITION);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      String condition = config.get(CONDITION);
      return ctx -> ctx.input().filter(expr(condition));
    }
  }

  /** {@code type = select}: computes the listed columns (framework metadata is kept). */
  public static final class Select implements TransformFactory {
    static final ConfigOption<List<String>> COLUMNS =
        required(
            "columns",
            OptionTypes.stringList(),
            "Spark SQL expressions, one per output column (\"host\", \"upper(event_type) AS type\").");

    @Override
    public String name() {
      return "select";
    }

    @Override
    public String description() {
      return "Keeps or computes the listed columns.";
    }

    @Override
    public Options options() {
      return Options.of(COLUMNS);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      List<String> columns = config.get(COLUMNS);
      for (String column : columns) {
        OptionTypes.expression().convert(column);
      }
      return ctx -> {
        Dataset<Row> input = ctx.input();
        List<Column> selected = new ArrayList<>();
        columns.forEach(c -> selected.add(expr(c)));
        if (!columns.contains("*")) {
          selected.addAll(Columns.metadata(input));
        }
        return input.select(selected.toArray(Column[]::new));
      };
    }
  }

  /** {@code type = with-column}: adds or replaces one column computed by an expression. */
  public static final class WithColumn implements TransformFactory {
    static final ConfigOption<String> COLUMN =
        required("column", OptionTypes.string(), "The column to add or replace.");
    static final ConfigOption<String> EXPRESSION =
        required(
            "expression",
            OptionTypes.expression(),
            "A Spark SQL expression computing it (to_date(timestamp)).");

    @Override
    public String name() {
      return "with-column";
    }

    @Override
    public String description() {
      return "Adds or replaces a column computed by an expression.";
    }

    @Override
    public Options options() {
      return Options.of(COLUMN, EXPRESSION);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      String column = config.get(COLUMN);
      String expression = config.get(EXPRESSION);
      return ctx -> ctx.input().withColumn(column, expr(expression));
    }
  }

  /** {@code type = rename}: renames columns. */
  public static final class Rename implements TransformFactory {
    static final ConfigOption<Map<String, String>> COLUMNS =
        required(
            "columns",
            OptionTypes.stringMap(),
            "Old name to new name: { \"User-Agent\" = user_agent }.");

    @Override
    public String name() {
      return "rename";
    }

    @Override
    public String description() {
      return "Renames columns.";
    }

    @Override
    public Options options() {
      return Options.of(COLUMNS);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      Map<String, String> columns = config.get(COLUMNS);
      return ctx -> {
        Dataset<Row> data = ctx.input();
        for (Map.Entry<String, String> rename : columns.entrySet()) {
          Columns.requireExists(data, rename.getKey());
          data = data.withColumnRenamed(rename.getKey(), rename.getValue());
        }
        return data;
      };
    }
  }

  /** {@code type = drop}: removes columns. */
  public static final class Drop implements TransformFactory {
    static final ConfigOption<List<String>> COLUMNS =
        required("columns", OptionTypes.stringList(), "The columns to remove.");

    @Override
    public String name() {
      return "drop";
    }

    @Override
    public String description() {
      return "Removes columns.";
    }

    @Override
    public Options options() {
      return Options.of(COLUMNS);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      List<String> columns = config.get(COLUMNS);
      return ctx -> {
        Dataset<Row> data = ctx.input();
        columns.forEach(c -> Columns.requireExists(data, c));
        return data.drop(columns.toArray(String[]::new));
      };
    }
  }

  /** {@code type = split}: splits a string column into an array by a regular expression. */
  public static final class Split implements TransformFactory {
    static final ConfigOption<String> COLUMN =
        required("column", OptionTypes.string(), "The string column to split.");
    static final ConfigOption<String> PATTERN =
        required(
            "pattern",
            OptionTypes.string(),
            "The separator, a Java regular expression (\" \" or \"\\\\s+\").");
    static final ConfigOption<String> AS =
        optional(
            "as",
            OptionTypes.string(),
            "The array column to write; default: replace the split column.");

    @Override
    public String name() {
      return "split";
    }

    @Override
    public String description() {
      return "Splits a string column into an array by a regular expression.";
    }

    @Override
    public Options options() {
      return Options.of(COLUMN, PATTERN, AS);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      String column = config.get(COLUMN);
      String pattern = config.get(PATTERN);
      try {
        java.util.regex.Pattern.compile(pattern);
      } catch (java.util.regex.PatternSyntaxException e) {
        throw new io.lambdaflow.spi.InvalidOptionException(
            "pattern", "not a valid regular expression: " + e.getDescription());
      }
      String target = config.find(AS).orElse(column);
      return ctx -> {
        Columns.requireExists(ctx.input(), column);
        return ctx.input().withColumn(target, functions.split(Columns.named(column), pattern));
      };
    }
  }

  /** {@code type = explode}: one row per element of an array (or entry of a map) column. */
  public static final class Explode implements TransformFactory {
    static final ConfigOption<String> COLUMN =
        required("column", OptionTypes.string(), "The array or map column to explode.");
    static final ConfigOption<String> AS =
        optional(
            "as",
            OptionTypes.string(),
            "The column holding each element (the array column is then dropped); default: replace the array column.");
    static final ConfigOption<Boolean> OUTER =
        optional(
            "outer",
            OptionTypes.bool(),
            false,
            "Keep rows whose array is empty or null, with a null element.");

    @Override
    public String name() {
      return "explode";
    }

    @Override
    public String description() {
      return "Turns each element of an array column into a row of its own.";
    }

    @Override
    public Options options() {
      return Options.of(COLUMN, AS, OUTER);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      String column = config.get(COLUMN);
      String target = config.find(AS).orElse(column);
      boolean outer = config.get(OUTER);
      return ctx -> {
        Columns.requireExists(ctx.input(), column);
        Column source = Columns.named(column);
        Dataset<Row> exploded =
            ctx.input()
                .withColumn(
                    target, outer ? functions.explode_outer(source) : functions.explode(source));
        return target.equals(column) ? exploded : exploded.drop(column);
      };
    }
  }

  /** {@code type = dedupe}: keeps one row per distinct key. */
  public static final class Dedupe implements TransformFactory {
    static final ConfigOption<List<String>> COLUMNS =
        optional(
            "columns",
            OptionTypes.stringList(),
            List.of(),
            "The columns that identify a row; default: all columns (framework metadata excluded).");

    @Override
    public String name() {
      return "dedupe";
    }

    @Override
    public String description() {
      return "Keeps one row per distinct value of the given columns.";
    }

    @Override
    public Options options() {
      return Options.of(COLUMNS);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      List<String> columns = config.get(COLUMNS);
      return ctx -> {
        Dataset<Row> data = ctx.input();
        columns.forEach(c -> Columns.requireExists(data, c));
        List<String> keys = columns.isEmpty() ? Columns.userColumns(data) : columns;
        return data.dropDuplicates(keys.toArray(String[]::new));
      };
    }
  }

  /**
   * {@code type = watermark}: how late event-time data may arrive before the speed layer's
   * aggregations and deduplications drop its state. The batch layer has all data at once and
   * ignores it, so one pipeline serves both.
   */
  public static final class Watermark implements TransformFactory {
    static final ConfigOption<String> COLUMN =
        required("column", OptionTypes.string(), "The event-time column (a timestamp).");
    static final ConfigOption<java.time.Duration> DELAY =
        required("delay", OptionTypes.duration(), "How late a record may be: \"10 minutes\".");

    @Override
    public String name() {
      return "watermark";
    }

    @Override
    public String description() {
      return "Declares how late event-time data may arrive in the speed layer.";
    }

    @Override
    public Options options() {
      return Options.of(COLUMN, DELAY);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      String column = config.get(COLUMN);
      String delay = config.get(DELAY).toMillis() + " milliseconds";
      return ctx -> {
        Columns.requireExists(ctx.input(), column);
        return ctx.input().withWatermark(column, delay);
      };
    }
  }
}

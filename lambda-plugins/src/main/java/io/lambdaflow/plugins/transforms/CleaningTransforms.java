package io.lambdaflow.plugins.transforms;

import static io.lambdaflow.spi.ConfigOption.optional;
import static io.lambdaflow.spi.ConfigOption.required;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.when;

import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.Transform;
import io.lambdaflow.spi.TransformFactory;
import java.math.BigDecimal;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Transforms for cleaning text values where SQL is awkward: {@code regex-replace}, {@code
 * normalize-unicode} and {@code parse-quantity}. A value that cannot be converted sends its row to
 * the dead letters with the column and the reason, the same in both layers.
 */
public final class CleaningTransforms {
  private static final ConfigOption<List<String>> COLUMNS =
      required("columns", OptionTypes.stringList(), "The text columns to clean.");

  private CleaningTransforms() {}

  /** {@code type = regex-replace}: every match of a pattern replaced, in each listed column. */
  public static final class RegexReplace implements TransformFactory {
    static final ConfigOption<String> PATTERN =
        required("pattern", OptionTypes.regex(), "A Java regular expression: \"(^|,)#\".");
    static final ConfigOption<String> REPLACEMENT =
        optional(
            "replacement",
            OptionTypes.string(),
            "",
            "What each match becomes; $1 is the pattern's first group.");
    static final ConfigOption<String> ONLY_IF =
        optional(
            "only-if",
            OptionTypes.regex(),
            "Replace only in values this regular expression finds a match in (\"^(.,)+.$\").");

    @Override
    public String name() {
      return "regex-replace";
    }

    @Override
    public String description() {
      return "Replaces every match of a regular expression in text columns (optionally only in"
          + " values matching another).";
    }

    @Override
    public Options options() {
      return Options.of(COLUMNS, PATTERN, REPLACEMENT, ONLY_IF);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      List<String> columns = config.get(COLUMNS);
      String pattern = config.get(PATTERN);
      String replacement = config.get(REPLACEMENT);
      Optional<String> onlyIf = config.find(ONLY_IF);
      return ctx -> {
        Dataset<Row> data = ctx.input();
        for (String name : columns) {
          Columns.requireExists(data, name);
          Column value = Columns.named(name).cast("string");
          Column replaced = regexp_replace(value, pattern, replacement);
          data =
              data.withColumn(
                  name,
                  onlyIf.isPresent()
                      ? when(value.rlike(onlyIf.get()), replaced).otherwise(value)
                      : replaced);
        }
        return data;
      };
    }
  }

  /**
   * {@code type = normalize-unicode}: literal unicode escapes decoded, text normalised (NFKC by
   * default), invisible characters removed.
   */
  public static final class NormalizeUnicode implements TransformFactory {
    static final ConfigOption<String> FORM =
        optional(
            "form",
            OptionTypes.oneOf("NFC", "NFD", "NFKC", "NFKD"),
            "NFKC",
            "The Unicode normalisation form; NFKC also folds compatibility characters (ﬁ, ２).");
    static final ConfigOption<Boolean> UNESCAPE =
        optional(
            "unescape",
            OptionTypes.bool(),
            true,
            "Decode literal \\uXXXX escapes left in the text; a broken one is a dead letter.");
    static final ConfigOption<Boolean> REMOVE_INVISIBLE =
        optional(
            "remove-invisible",
            OptionTypes.bool(),
            true,
            "Remove format and control characters (zero-width spaces, byte-order marks), keeping"
                + " tab and line breaks.");

    @Override
    public String name() {
      return "normalize-unicode";
    }

    @Override
    public String description() {
      return "Decodes literal unicode escapes, normalises text (NFKC) and removes invisible"
          + " characters; a broken escape sends its row to the dead letters.";
    }

    @Override
    public Options options() {
      return Options.of(COLUMNS, FORM, UNESCAPE, REMOVE_INVISIBLE);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      Normalizer.Form form = Normalizer.Form.valueOf(config.get(FORM));
      boolean unescape = config.get(UNESCAPE);
      boolean removeInvisible = config.get(REMOVE_INVISIBLE);
      UDF1<String, Row> clean =
          text -> {
            try {
              return RowFactory.create(
                  TextValues.unicode(text, form, unescape, removeInvisible), null);
            } catch (IllegalArgumentException e) {
              return RowFactory.create(null, e.getMessage());
            }
          };
      return ctx -> converted(ctx, config.get(COLUMNS), clean, DataTypes.StringType, true);
    }
  }

  /**
   * {@code type = parse-quantity}: text such as {@code 12k}, {@code 1.5M} or {@code 1,200} to a
   * number.
   */
  public static final class ParseQuantity implements TransformFactory {
    static final ConfigOption<String> TO =
        optional(
            "to",
            OptionTypes.oneOf("long", "double"),
            "long",
            "The numbers' type: long (a fraction is a dead letter) or double.");
    static final ConfigOption<Map<String, Double>> SUFFIXES =
        optional(
            "suffixes",
            OptionTypes.mapOf(OptionTypes.decimal()),
            Map.of("k", 1e3, "m", 1e6, "b", 1e9),
            "Suffix to factor, matched in any letter case: { k = 1000, m = 1000000 }.");
    static final ConfigOption<String> ON_ERROR =
        optional(
            "on-error",
            OptionTypes.oneOf("dead-letter", "set-null"),
            "dead-letter",
            "What text that is not a quantity does: send its row to the dead letters, or become"
                + " null.");

    @Override
    public String name() {
      return "parse-quantity";
    }

    @Override
    public String description() {
      return "Parses quantities such as 12k, 1.5M or 1,200 into numbers; text that is not one sends"
          + " its row to the dead letters.";
    }

    @Override
    public Options options() {
      return Options.of(COLUMNS, TO, SUFFIXES, ON_ERROR);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      Map<String, BigDecimal> suffixes = new LinkedHashMap<>();
      config
          .get(SUFFIXES)
          .forEach(
              (k, v) -> suffixes.put(k.toLowerCase(Locale.ROOT), new BigDecimal(v.toString())));
      String to = config.get(TO);
      boolean whole = to.equals("long");
      DataType type = whole ? DataTypes.LongType : DataTypes.DoubleType;
      UDF1<String, Row> parse =
          text -> {
            try {
              BigDecimal value = TextValues.quantity(text, suffixes, whole);
              // Not a conditional expression: that would promote the long to a double.
              Object typed = null;
              if (value != null && whole) {
                typed = value.longValueExact();
              } else if (value != null) {
                typed = value.doubleValue();
              }
              return RowFactory.create(typed, null);
            } catch (IllegalArgumentException | ArithmeticException e) {
              return RowFactory.create(null, e.getMessage());
            }
          };
      boolean deadLetter = config.get(ON_ERROR).equals("dead-letter");
      return ctx -> converted(ctx, config.get(COLUMNS), parse, type, deadLetter);
    }
  }

  /**
   * Each column replaced by {@code convert}'s value; with {@code deadLetter}, a row with any value
   * it could not convert goes to the dead letters, naming the column and the reason.
   */
  private static Dataset<Row> converted(
      io.lambdaflow.spi.TransformContext ctx,
      List<String> columns,
      UDF1<String, Row> convert,
      DataType type,
      boolean deadLetter) {
    Dataset<Row> input = ctx.input();
    columns.forEach(c -> Columns.requireExists(input, c));
    UserDefinedFunction udf =
        functions.udf(
            convert,
            DataTypes.createStructType(
                List.of(
                    DataTypes.createStructField("value", type, true),
                    DataTypes.createStructField("error", DataTypes.StringType, true))));
    Dataset<Row> data = input;
    List<Column> errors = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      String converted = MetadataColumns.PREFIX + "converted_" + i;
      data = data.withColumn(converted, udf.apply(Columns.named(columns.get(i)).cast("string")));
      errors.add(
          when(
              functions.col(converted + ".error").isNotNull(),
              concat(
                  lit("column '" + columns.get(i) + "': "), functions.col(converted + ".error"))));
    }
    if (deadLetter) {
      data = Rejects.split(ctx, data, errors, Columns.userColumns(input));
    }
    for (int i = 0; i < columns.size(); i++) {
      String converted = MetadataColumns.PREFIX + "converted_" + i;
      data = data.withColumn(columns.get(i), functions.col(converted + ".value")).drop(converted);
    }
    return data;
  }
}

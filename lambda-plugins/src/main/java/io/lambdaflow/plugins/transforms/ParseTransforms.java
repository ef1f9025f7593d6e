package io.lambdaflow.plugins.transforms;

import static io.lambdaflow.spi.ConfigOption.optional;
import static io.lambdaflow.spi.ConfigOption.required;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.from_csv;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.get_json_object;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.DeadLetters;
import io.lambdaflow.spi.InvalidOptionException;
import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.Transform;
import io.lambdaflow.spi.TransformContext;
import io.lambdaflow.spi.TransformFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code parse-json} and {@code parse-csv}: a string column to typed columns by a declared schema.
 * A record that does not parse, or lacks a required field, goes to the dead-letter sink with its
 * raw text and the reason; it never fails the run.
 */
public final class ParseTransforms {
  private static final String CORRUPT = MetadataColumns.PREFIX + "corrupt";
  private static final String PARSED = MetadataColumns.PREFIX + "parsed";
  private static final String RAW = MetadataColumns.PREFIX + "raw";
  private static final String REASON = MetadataColumns.PREFIX + "reason";

  static final ConfigOption<String> COLUMN =
      optional(
          "column",
          OptionTypes.string(),
          "value",
          "The string column holding the records (Kafka's value, a text file's line).");
  static final ConfigOption<StructType> SCHEMA =
      required(
          "schema",
          OptionTypes.schema(),
          "The fields to extract, in Spark DDL (\"event_type STRING, amount DOUBLE\").");
  static final ConfigOption<List<String>> KEEP =
      optional(
          "keep",
          OptionTypes.stringList(),
          List.of(),
          "Input columns to keep beside the parsed fields (timestamp, key).");
  static final ConfigOption<List<String>> REQUIRED =
      optional(
          "required",
          OptionTypes.stringList(),
          List.of(),
          "Fields that must be present and non-null; a record without one is a dead letter.");
  static final ConfigOption<Map<String, String>> OPTIONS =
      optional(
          "options",
          OptionTypes.stringMap(),
          Map.of(),
          "Spark parser options, passed as they are (timestampFormat, allowComments, ...).");
  static final ConfigOption<String> DELIMITER =
      optional("delimiter", OptionTypes.string(), ",", "parse-csv: the field delimiter.");

  private ParseTransforms() {}

  /** {@code type = parse-json}. */
  public static final class Json implements TransformFactory {
    @Override
    public String name() {
      return "parse-json";
    }

    @Override
    public String description() {
      return "Parses a JSON string column into typed columns; malformed records become dead letters.";
    }

    @Override
    public Options options() {
      return Options.of(COLUMN, SCHEMA, KEEP, REQUIRED, OPTIONS);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      StructType schema = config.get(SCHEMA);
      checkRequired(schema, config.get(REQUIRED));
      String ddl = schema.toDDL();
      return new Parser(
          config,
          schema,
          (raw, withCorrupt, options) -> from_json(raw, withCorrupt, options),
          raw ->
              when(get_json_object(raw, "$").isNull(), lit("malformed JSON"))
                  .otherwise(lit("JSON does not match the schema " + ddl)),
          Map.of());
    }
  }

  /** {@code type = parse-csv}. */
  public static final class Csv implements TransformFactory {
    @Override
    public String name() {
      return "parse-csv";
    }

    @Override
    public String description() {
      return "Parses a CSV string column into typed columns; malformed records become dead letters.";
    }

    @Override
    public Options options() {
      return Options.of(COLUMN, SCHEMA, DELIMITER, KEEP, REQUIRED, OPTIONS);
    }

    @Override
    public Transform create(PluginConfig config, PluginContext context) {
      StructType schema = config.get(SCHEMA);
      checkRequired(schema, config.get(REQUIRED));
      String delimiter = config.get(DELIMITER);
      int expected = schema.fields().length;
      String ddl = schema.toDDL();
      return new Parser(
          config,
          schema,
          (raw, withCorrupt, options) -> from_csv(raw, lit(withCorrupt.toDDL()), options),
          raw -> {
            Column fields = size(split(raw, Pattern.quote(delimiter)));
            return when(
                    fields.notEqual(lit(expected)),
                    concat_ws(
                        "",
                        lit("CSV record has "),
                        fields.cast("string"),
                        lit(" fields, expected " + expected + " (" + ddl + ")")))
                .otherwise(lit("CSV value does not match its type in " + ddl));
          },
          Map.of("sep", delimiter));
    }
  }

  @FunctionalInterface
  private interface ParseFunction {
    Column parse(Column raw, StructType schemaWithCorrupt, Map<String, String> options);
  }

  @FunctionalInterface
  private interface ReasonFunction {
    Column reason(Column raw);
  }

  private static void checkRequired(StructType schema, List<String> required) {
    List<String> fields = Arrays.asList(schema.fieldNames());
    for (String field : required) {
      if (!fields.contains(field)) {
        throw new InvalidOptionException(
            "required", "'" + field + "' is not a field of the schema " + fields);
      }
    }
  }

  private static final class Parser implements Transform {
    private final String column;
    private final StructType schema;
    private final List<String> keep;
    private final List<String> required;
    private final Map<String, String> options;
    private final ParseFunction parse;
    private final ReasonFunction reason;

    Parser(
        PluginConfig config,
        StructType schema,
        ParseFunction parse,
        ReasonFunction reason,
        Map<String, String> formatOptions) {
      this.column = config.get(COLUMN);
      this.schema = schema;
      this.keep = config.get(KEEP);
      this.required = config.get(REQUIRED);
      Map<String, String> merged = new HashMap<>(formatOptions);
      merged.putAll(config.get(OPTIONS));
      merged.put("mode", "PERMISSIVE");
      merged.put("columnNameOfCorruptRecord", CORRUPT);
      this.options = Map.copyOf(merged);
      this.parse = parse;
      this.reason = reason;
    }

    @Override
    public Dataset<Row> apply(TransformContext context) {
      Dataset<Row> input = context.input();
      Columns.requireExists(input, column);
      keep.forEach(k -> Columns.requireExists(input, k));
      StructType withCorrupt =
          schema.add(
              new StructField(
                  CORRUPT,
                  DataTypes.StringType,
                  true,
                  org.apache.spark.sql.types.Metadata.empty()));
      Column raw = Columns.named(column).cast("string");

      List<Column> carried = new ArrayList<>();
      keep.forEach(k -> carried.add(Columns.named(k)));
      carried.addAll(Columns.metadata(input));

      Column rejection =
          when(col(RAW).isNull(), lit("value is null"))
              .when(trim(col(RAW)).equalTo(""), lit("empty record"))
              .when(col(PARSED + "." + CORRUPT).isNotNull(), reason.reason(col(RAW)));
      for (String field : required) {
        rejection =
            rejection.when(
                col(PARSED + ".`" + field + "`").isNull(),
                lit("required field '" + field + "' is missing or null"));
      }

      List<Column> marked = new ArrayList<>(carried);
      marked.add(raw.alias(RAW));
      marked.add(parse.parse(raw, withCorrupt, options).alias(PARSED));
      Dataset<Row> parsed =
          input.select(marked.toArray(Column[]::new)).withColumn(REASON, rejection);
      parsed = context.reuse(parsed);

      List<Column> rejectedColumns = new ArrayList<>();
      rejectedColumns.add(col(REASON).alias(DeadLetters.REASON));
      rejectedColumns.add(col(RAW).alias(DeadLetters.RAW));
      if (Arrays.asList(input.columns()).contains(MetadataColumns.POSITION)) {
        rejectedColumns.add(col(MetadataColumns.POSITION));
      }
      context.deadLetter(
          parsed.filter(col(REASON).isNotNull()).select(rejectedColumns.toArray(Column[]::new)));

      List<Column> output = new ArrayList<>();
      keep.forEach(k -> output.add(Columns.named(k)));
      for (String field : schema.fieldNames()) {
        output.add(col(PARSED + ".`" + field + "`").alias(field));
      }
      output.addAll(Columns.metadata(input));
      return parsed.filter(col(REASON).isNull()).select(output.toArray(Column[]::new));
    }
  }
}

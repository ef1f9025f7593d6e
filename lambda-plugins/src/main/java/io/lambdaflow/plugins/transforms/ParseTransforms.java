package io.lambdaflow.plugins.transforms;

import static io.lambdaflow.spi.ConfigOption.optional;
import static io.lambdaflow.spi.ConfigOption.required;

import io.lambdaflow.records.RecordParser;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.InvalidOptionException;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.Transform;
import io.lambdaflow.spi.TransformFactory;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * {@code parse-json} and {@code parse-csv}: a string column to typed columns by a declared schema.
 * A record that does not parse, or lacks a required field, goes to the dead-letter sink with its
 * raw text and the reason; it never fails the run.
 */
public final class ParseTransforms {

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
      return parsing(config, RecordParser.json(config.get(SCHEMA), config.get(OPTIONS)));
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
      return parsing(
          config, RecordParser.csv(config.get(SCHEMA), config.get(DELIMITER), config.get(OPTIONS)));
    }
  }

  private static Transform parsing(PluginConfig config, RecordParser unchecked) {
    RecordParser parser;
    try {
      parser = unchecked.requiring(config.get(REQUIRED));
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException("required", e.getMessage());
    }
    String column = config.get(COLUMN);
    List<String> keep = config.get(KEEP);
    return context -> {
      Dataset<Row> input = context.input();
      Columns.requireExists(input, column);
      keep.forEach(k -> Columns.requireExists(input, k));
      return parser.parse(input, Columns.named(column), keep, context::deadLetter, context::reuse);
    };
  }
}

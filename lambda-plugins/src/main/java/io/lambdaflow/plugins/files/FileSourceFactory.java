package io.lambdaflow.plugins.files;

import static io.lambdaflow.spi.ConfigOption.optional;
import static io.lambdaflow.spi.ConfigOption.required;

import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionRule;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.SourceFactory;
import io.lambdaflow.spi.SourceSpec;
import java.util.Map;
import org.apache.spark.sql.types.StructType;

/**
 * {@code type = files}: files in a directory (or one file), in batch and as a stream of new files.
 */
public final class FileSourceFactory implements SourceFactory {
  static final ConfigOption<String> PATH =
      required(
          "path",
          OptionTypes.string(),
          "The file or directory to read (a local path or a Hadoop URI; globs allowed).");
  static final ConfigOption<String> FORMAT =
      required("format", OptionTypes.oneOf(FileFormats.READABLE), "The file format.");
  static final ConfigOption<StructType> SCHEMA =
      optional(
          "schema",
          OptionTypes.schema(),
          "The columns, in Spark DDL. Batch reads infer it when absent (csv: all strings); streaming reads need it.");
  static final ConfigOption<Boolean> HEADER =
      optional(
          "header",
          OptionTypes.bool(),
          true,
          "csv: whether the first line of each file names the columns.");
  static final ConfigOption<String> DELIMITER =
      optional("delimiter", OptionTypes.string(), ",", "csv: the field delimiter.");
  static final ConfigOption<Map<String, String>> OPTIONS =
      optional(
          "options",
          OptionTypes.stringMap(),
          Map.of(),
          "More Spark reader options, passed as they are (multiLine, timestampFormat, ...).");

  static final ConfigOption<Boolean> OPTIONAL =
      optional(
          "optional",
          OptionTypes.bool(),
          false,
          "Whether the path may be missing: then it reads as no rows of the schema (a GTFS feed without frequencies.txt, say).");

  private static final Options DECLARED =
      Options.of(PATH, FORMAT, SCHEMA, HEADER, DELIMITER, OPTIONS, OPTIONAL)
          .withRules(
              config ->
                  config.get(OPTIONAL)
                          && !config.isSet(SCHEMA)
                          && !config.get(FORMAT).equals("text")
                      ? java.util.List.of(
                          new OptionRule.Violation(
                              "optional",
                              "an optional path needs a schema, the columns it reads as when the"
                                  + " path is missing"))
                      : java.util.List.of(),
              OptionRule.onlyIf(HEADER, FORMAT, "csv"),
              OptionRule.onlyIf(DELIMITER, FORMAT, "csv"),
              OptionRule.onlyIf(SCHEMA, FORMAT, "json", "csv", "parquet", "avro", "orc"));

  @Override
  public String name() {
    return "files";
  }

  @Override
  public String description() {
    return "Reads json, csv, parquet, avro, text or orc files; streams new files in the speed layer.";
  }

  @Override
  public Options options() {
    return DECLARED;
  }

  @Override
  public SourceSpec create(PluginConfig config, PluginContext context) {
    return new FileSource(
        config.get(PATH),
        config.get(FORMAT),
        config.find(SCHEMA).orElse(null),
        config.get(HEADER),
        config.get(DELIMITER),
        config.get(OPTIONS),
        config.get(OPTIONAL));
  }
}

package io.lambdaflow.plugins.files;

import static io.lambdaflow.spi.ConfigOption.optional;
import static io.lambdaflow.spi.ConfigOption.required;

import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.SinkFactory;
import io.lambdaflow.spi.SinkSpec;
import java.util.List;
import java.util.Map;

/** {@code type = files}: writes files in a directory, in batch and streaming. */
public final class FileSinkFactory implements SinkFactory {
  static final ConfigOption<String> PATH =
      required(
          "path", OptionTypes.string(), "The directory to write (a local path or a Hadoop URI).");
  static final ConfigOption<String> FORMAT =
      optional("format", OptionTypes.oneOf(FileFormats.WRITABLE), "parquet", "The file format.");
  static final ConfigOption<String> MODE =
      optional(
          "mode",
          OptionTypes.oneOf("append", "overwrite", "error", "ignore"),
          "append",
          "Batch only: what to do when the directory already has data. Streaming always appends.");
  static final ConfigOption<List<String>> PARTITION_BY =
      optional(
          "partition-by",
          OptionTypes.stringList(),
          List.of(),
          "Columns to partition the files by (date=.../).");
  static final ConfigOption<Map<String, String>> OPTIONS =
      optional(
          "options",
          OptionTypes.stringMap(),
          Map.of(),
          "More Spark writer options, passed as they are (compression, header, ...).");

  private static final Options DECLARED = Options.of(PATH, FORMAT, MODE, PARTITION_BY, OPTIONS);

  @Override
  public String name() {
    return "files";
  }

  @Override
  public String description() {
    return "Writes parquet, json, csv, avro, orc or text files, optionally partitioned.";
  }

  @Override
  public Options options() {
    return DECLARED;
  }

  @Override
  public SinkSpec create(PluginConfig config, PluginContext context) {
    return new FileSink(
        config.get(PATH),
        config.get(FORMAT),
        config.get(MODE),
        config.get(PARTITION_BY),
        config.get(OPTIONS));
  }
}

package io.lambdaflow.plugins.files;

import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;

import io.lambdaflow.spi.Horizon;
import io.lambdaflow.spi.InvalidOptionException;
import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.spi.ReadContext;
import io.lambdaflow.spi.SupportsHorizon;
import io.lambdaflow.spi.SupportsStreamRead;
import java.util.Map;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.types.StructType;

/** Files read by Spark's built-in data sources; each record's position is its file. */
final class FileSource implements SupportsHorizon, SupportsStreamRead {
  /** Options that change which files a read lists; the horizon lists with the same ones. */
  private static final java.util.Set<String> LISTING_OPTIONS =
      java.util.Set.of("recursiveFileLookup", "pathGlobFilter", "modifiedBefore", "modifiedAfter");

  private final String path;
  private final String format;
  private final StructType schema;
  private final boolean header;
  private final String delimiter;
  private final Map<String, String> options;

  FileSource(
      String path,
      String format,
      StructType schema,
      boolean header,
      String delimiter,
      Map<String, String> options) {
    this.path = path;
    this.format = format;
    this.schema = schema;
    this.header = header;
    this.delimiter = delimiter;
    this.options = options;
  }

  @Override
  public Dataset<Row> readBatch(ReadContext context) {
    DataFrameReader reader = context.spark().read().format(format).options(formatOptions());
    if (schema != null) {
      reader = reader.schema(schema);
    }
    return withPosition(reader.load(path));
  }

  @Override
  public Horizon horizon(ReadContext context) {
    DataFrameReader lister = context.spark().read().format("binaryFile");
    for (Map.Entry<String, String> option : options.entrySet()) {
      if (LISTING_OPTIONS.contains(option.getKey())) {
        lister = lister.option(option.getKey(), option.getValue());
      }
    }
    Map<String, Long> files = new java.util.TreeMap<>();
    for (String file : lister.load(path).inputFiles()) {
      files.put(file, 1L); // a file is one partition whose only offset is 0
    }
    return new Horizon(files);
  }

  @Override
  public Dataset<Row> readRange(ReadContext context, Horizon from, Horizon to) {
    String[] fresh =
        to.ends().keySet().stream().filter(f -> from.end(f).isEmpty()).toArray(String[]::new);
    DataFrameReader reader = context.spark().read().format(format).options(formatOptions());
    if (schema != null) {
      reader = reader.schema(schema);
    }
    Dataset<Row> data =
        fresh.length == 0 ? reader.load(path).where(lit(false)) : reader.load(fresh);
    return withPosition(data);
  }

  @Override
  public Dataset<Row> readStream(ReadContext context) {
    DataStreamReader reader = context.spark().readStream().format(format).options(formatOptions());
    if (schema != null) {
      reader = reader.schema(schema);
    }
    return withPosition(reader.load(path));
  }

  @Override
  public void validateForStreaming() {
    if (schema == null && !format.equals("text")) {
      throw new InvalidOptionException(
          "schema",
          "the speed layer cannot infer the schema of "
              + format
              + " files: set schema = \"col1 TYPE, col2 TYPE\" or remove 'speed' from layers");
    }
  }

  private Map<String, String> formatOptions() {
    if (!format.equals("csv")) {
      return options;
    }
    Map<String, String> csv = new java.util.HashMap<>(options);
    csv.putIfAbsent("header", String.valueOf(header));
    csv.putIfAbsent("sep", delimiter);
    return csv;
  }

  private static Dataset<Row> withPosition(Dataset<Row> data) {
    return data.withColumn(MetadataColumns.POSITION, input_file_name())
        .withColumn(MetadataColumns.PARTITION, input_file_name())
        .withColumn(MetadataColumns.OFFSET, lit(0L));
  }
}

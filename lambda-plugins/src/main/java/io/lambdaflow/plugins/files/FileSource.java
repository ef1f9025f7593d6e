package io.lambdaflow.plugins.files;

import static org.apache.spark.sql.functions.input_file_name;

import io.lambdaflow.spi.InvalidOptionException;
import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.spi.ReadContext;
import io.lambdaflow.spi.SupportsBatchRead;
import io.lambdaflow.spi.SupportsStreamRead;
import java.util.Map;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.types.StructType;

/** Files read by Spark's built-in data sources; each record's position is its file. */
final class FileSource implements SupportsBatchRead, SupportsStreamRead {
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
    return data.withColumn(MetadataColumns.POSITION, input_file_name());
  }
}

package io.lambdaflow.plugins.files;

import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.SupportsStreamWrite;
import io.lambdaflow.spi.WriteContext;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;

/** Files written by Spark's built-in data sources. */
final class FileSink implements SupportsBatchWrite, SupportsStreamWrite {
  private final String path;
  private final String format;
  private final String mode;
  private final List<String> partitionBy;
  private final Map<String, String> options;

  FileSink(
      String path,
      String format,
      String mode,
      List<String> partitionBy,
      Map<String, String> options) {
    this.path = path;
    this.format = format;
    this.mode = mode;
    this.partitionBy = partitionBy;
    this.options = options;
  }

  @Override
  public void writeBatch(Dataset<Row> data, WriteContext context) {
    data.write()
        .format(format)
        .mode(mode)
        .options(options)
        .partitionBy(partitionBy.toArray(String[]::new))
        .save(path);
  }

  @Override
  public StreamingQuery startStream(DataStreamWriter<Row> writer, WriteContext context)
      throws TimeoutException {
    return writer
        .format(format)
        .options(options)
        .partitionBy(partitionBy.toArray(String[]::new))
        .option("path", path)
        .start();
  }
}

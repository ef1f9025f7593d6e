package io.lambdaflow.plugins.files;

import io.lambdaflow.spi.InvalidOptionException;
import io.lambdaflow.spi.StreamWriteContext;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.SupportsReadBack;
import io.lambdaflow.spi.SupportsStreamWrite;
import io.lambdaflow.spi.WriteContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;

/** Files written by Spark's built-in data sources. */
final class FileSink implements SupportsBatchWrite, SupportsStreamWrite, SupportsReadBack {
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
    if (!mode.equals("append")) {
      write(data, mode, path);
      return;
    }
    StagedAppend.into(
        path,
        data.sparkSession().sparkContext().hadoopConfiguration(),
        staging -> write(data, "errorifexists", staging));
  }

  @Override
  public Optional<Dataset<Row>> readBack(SparkSession spark) {
    Path root = new Path(path);
    boolean streamed;
    try {
      FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(root)) {
        return Optional.empty();
      }
      streamed = fs.exists(new Path(root, "_spark_metadata"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot look for " + path, e);
    }
    // A folder a streaming query also wrote has Spark's log of its files, and Spark then reads
    // only those; every file is read through a glob instead (batch runs' files too).
    return Optional.of(
        spark.read().format(format).options(options).load(streamed ? path + "/*" : path));
  }

  @Override
  public Optional<String> jsonLines() {
    return format.equals("json") ? Optional.of(path) : Optional.empty();
  }

  @Override
  public boolean replaces() {
    return mode.equals("overwrite");
  }

  @Override
  public boolean replaceBatch(Dataset<Row> data, WriteContext context) {
    write(data, "overwrite", path);
    return true;
  }

  private void write(Dataset<Row> data, String saveMode, String target) {
    data.write()
        .format(format)
        .mode(saveMode)
        .options(options)
        .partitionBy(partitionBy.toArray(String[]::new))
        .save(target);
  }

  @Override
  public StreamingQuery startStream(Dataset<Row> data, StreamWriteContext context)
      throws TimeoutException {
    if (mode.equals("overwrite")) {
      // Each micro-batch replaces the directory: the shape of a complete-mode result (running
      // counts), which Spark's file sink cannot write. Replaying a micro-batch rewrites the same.
      return context
          .writer(data)
          .foreachBatch(
              (VoidFunction2<Dataset<Row>, Long>)
                  (batch, id) ->
                      batch
                          .write()
                          .format(format)
                          .mode("overwrite")
                          .options(options)
                          .partitionBy(partitionBy.toArray(String[]::new))
                          .save(path))
          .start();
    }
    // Spark's file sink: exactly once through its _spark_metadata log; readers honour the log.
    return context
        .writer(data)
        .format(format)
        .options(options)
        .partitionBy(partitionBy.toArray(String[]::new))
        .option("path", path)
        .start();
  }

  @Override
  public void validateOutputMode(String outputMode) {
    if (!outputMode.equals("append") && !mode.equals("overwrite")) {
      throw new InvalidOptionException(
          "mode",
          "the speed layer appends files, which needs output-mode = append; for a "
              + outputMode
              + " result set mode = overwrite (each micro-batch rewrites the directory)");
    }
    if (mode.equals("overwrite") && !outputMode.equals("complete")) {
      throw new InvalidOptionException(
          "mode",
          "mode = overwrite rewrites the directory each micro-batch, which only keeps every row"
              + " with output-mode = complete; set output-mode = complete, use mode = append, or"
              + " remove 'speed' from layers");
    }
  }
}

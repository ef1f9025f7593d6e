package io.lambdaflow.cli;

import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.SinkNode;
import io.lambdaflow.spi.StreamWriteContext;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.SupportsStreamWrite;
import io.lambdaflow.spi.WriteContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;

/**
 * {@code lambda test}'s sinks: each sink of a pipeline, and its dead-letter sink, replaced by one
 * that keeps the rows the pipeline gives it as Parquet in a folder of the test run. A test run
 * never writes to a real database, topic or bucket; what is compared is what the pipeline delivers
 * to each sink (the sink plugins' own behaviour is their own tests' business).
 */
final class CapturedSinks implements SupportsBatchWrite, SupportsStreamWrite {
  private final String path;
  private final boolean complete;

  private CapturedSinks(Path path, boolean complete) {
    this.path = path.toString();
    this.complete = complete;
  }

  /**
   * {@code pipeline} with every sink writing under {@code folder}, each in a folder of its name.
   */
  static Pipeline into(Pipeline pipeline, Path folder) {
    List<SinkNode> sinks = pipeline.sinks().stream().map(s -> captured(s, folder)).toList();
    return pipeline.withSinks(sinks, captured(pipeline.deadLetter(), folder));
  }

  private static SinkNode captured(SinkNode sink, Path folder) {
    return new SinkNode(
        sink.name(),
        sink.type(),
        sink.input(),
        new CapturedSinks(folder.resolve(sink.name()), sink.outputMode().equals("complete")),
        sink.outputMode(),
        "", // the run's trigger (available-now), not the sink's own interval
        sink.layers());
  }

  /**
   * What sink {@code name} was given in a run that wrote under {@code folder}; empty if nothing.
   */
  static Optional<Dataset<Row>> read(SparkSession spark, Path folder, String name) {
    Path written = folder.resolve(name);
    return Files.isDirectory(written)
        ? Optional.of(spark.read().parquet(written.toString()))
        : Optional.empty();
  }

  @Override
  public void writeBatch(Dataset<Row> data, WriteContext context) {
    data.write().mode(SaveMode.Append).parquet(path);
  }

  @Override
  public StreamingQuery startStream(Dataset<Row> data, StreamWriteContext context)
      throws java.util.concurrent.TimeoutException {
    String target = path;
    SaveMode mode = complete ? SaveMode.Overwrite : SaveMode.Append; // complete: the whole result
    return context
        .writer(data)
        .foreachBatch(
            (VoidFunction2<Dataset<Row>, Long>)
                (batch, id) -> batch.write().mode(mode).parquet(target))
        .start();
  }
}

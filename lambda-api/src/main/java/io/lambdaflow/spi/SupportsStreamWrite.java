package io.lambdaflow.spi;

import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;

/** A sink the speed layer can write. */
public interface SupportsStreamWrite extends SinkSpec {

  /**
   * Starts the streaming query that writes {@code data} into this sink. Shape the data as the sink
   * needs, get a writer from {@link StreamWriteContext#writer} (query name, trigger, output mode
   * and checkpoint already set), set the format and options (or a {@code foreachBatch} function)
   * and call {@code start()}. Called on the driver once when the speed layer starts. Writes should
   * be idempotent per micro-batch, since a micro-batch is replayed after a crash.
   */
  StreamingQuery startStream(Dataset<Row> data, StreamWriteContext context) throws TimeoutException;

  /**
   * Checks that this sink can take the given output mode ({@code append}, {@code update} or {@code
   * complete}); called during validation of a pipeline that runs in the speed layer.
   *
   * @throws InvalidOptionException naming the option that conflicts with the mode
   */
  default void validateOutputMode(String outputMode) {}
}

package io.lambdaflow.spi;

import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;

/** A sink the speed layer can write. */
public interface SupportsStreamWrite extends SinkSpec {

  /**
   * Starts the streaming query that writes into this sink. The framework has already set the query
   * name, trigger, output mode and checkpoint location on {@code writer}; the sink sets its format
   * and options (or a {@code foreachBatch} function) and calls {@code start()}. Writes must be
   * idempotent per micro-batch, since a micro-batch is replayed after a crash.
   */
  StreamingQuery startStream(DataStreamWriter<Row> writer, WriteContext context)
      throws TimeoutException;
}

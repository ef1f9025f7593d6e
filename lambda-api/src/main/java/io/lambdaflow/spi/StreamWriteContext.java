package io.lambdaflow.spi;

import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamWriter;

/** What a sink gets when the speed layer starts its query. */
public interface StreamWriteContext {

  /** The session writing. */
  SparkSession spark();

  /** The sink's name in the pipeline. */
  String sinkName();

  /** The output mode configured for this sink: append, update or complete. */
  String outputMode();

  /**
   * A writer for {@code data} with the query name, trigger, output mode and checkpoint location
   * already set.
   */
  DataStreamWriter<Row> writer(Dataset<Row> data);

  /**
   * What micro-batch {@code batchId} of this sink's query reads: the end offset of each source, as
   * Spark recorded it in the checkpoint before the micro-batch ran (each source's offsets as JSON,
   * one line per source). A sink that keeps a ledger of the micro-batches it wrote tells a replay
   * (the same offsets) from another micro-batch under a reused id (the checkpoint lost or reset).
   * Empty when not known.
   */
  default Optional<String> batchOffsets(long batchId) {
    return Optional.empty();
  }

  /**
   * Where rows the destination refuses go, from within a micro-batch (the pipeline's dead letters).
   */
  default Rejections rejections() {
    return Rejections.none(sinkName());
  }
}

package io.lambdaflow.spi;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** What a source gets when asked for data. */
public interface ReadContext {

  /** The session to read with. */
  SparkSession spark();

  /** The source's name in the pipeline. */
  String sourceName();

  /** The layer reading. */
  ExecutionMode mode();

  /**
   * Sends records the source cannot decode (a Kafka value that is not valid Avro, say) to the
   * pipeline's dead-letter sink, as {@link TransformContext#deadLetter} does for transforms.
   */
  void deadLetter(Dataset<Row> rejected);

  /** As {@link TransformContext#reuse}: marks a dataset several outputs derive from. */
  Dataset<Row> reuse(Dataset<Row> dataset);
}

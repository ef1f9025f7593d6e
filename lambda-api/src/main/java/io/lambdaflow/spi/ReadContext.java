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

  /**
   * Whether a {@link SupportsHorizon} source should go on from what it still holds when records
   * between the last horizon and now are gone, instead of failing ({@code lambda batch
   * --accept-gap}).
   */
  default boolean acceptGaps() {
    return false;
  }

  /** As {@link TransformContext#reuse}: marks a dataset several outputs derive from. */
  Dataset<Row> reuse(Dataset<Row> dataset);
}

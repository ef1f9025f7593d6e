package io.lambdaflow.spi;

import static java.util.Objects.requireNonNull;

import org.apache.spark.sql.SparkSession;

/**
 * What a sink gets when asked to write.
 *
 * @param spark the session writing
 * @param sinkName the sink's name in the pipeline
 * @param mode the layer writing
 */
public record WriteContext(SparkSession spark, String sinkName, ExecutionMode mode) {
  public WriteContext {
    requireNonNull(spark, "spark is null");
    requireNonNull(sinkName, "sinkName is null");
    requireNonNull(mode, "mode is null");
  }
}

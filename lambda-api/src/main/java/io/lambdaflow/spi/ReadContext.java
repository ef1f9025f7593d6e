package io.lambdaflow.spi;

import static java.util.Objects.requireNonNull;

import org.apache.spark.sql.SparkSession;

/**
 * What a source gets when asked for data.
 *
 * @param spark the session to read with
 * @param sourceName the source's name in the pipeline
 * @param mode the layer reading
 */
public record ReadContext(SparkSession spark, String sourceName, ExecutionMode mode) {
  public ReadContext {
    requireNonNull(spark, "spark is null");
    requireNonNull(sourceName, "sourceName is null");
    requireNonNull(mode, "mode is null");
  }
}

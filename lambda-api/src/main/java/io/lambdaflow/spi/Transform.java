package io.lambdaflow.spi;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One step of a pipeline: datasets in, one dataset out.
 *
 * <p>The same instance serves both layers: the batch layer calls it with bounded datasets, the
 * speed layer with streaming ones, and an implementation must build its result with operations
 * valid for both (Spark SQL expressions, {@code select}, {@code filter}, joins with static
 * datasets, aggregations). {@link TransformContext#mode()} says which layer is calling, for the
 * rare transform that must differ.
 *
 * <p>Records that cannot be processed are never dropped silently and never fail the run: hand them
 * to {@link TransformContext#deadLetter(Dataset)}.
 */
public interface Transform {

  /**
   * Builds this step's output. Called on the driver once per run (batch) or once when the streaming
   * query is planned (speed); it should only describe the computation, not run it. An exception
   * fails the run and is reported with the transform's name.
   */
  Dataset<Row> apply(TransformContext context);
}

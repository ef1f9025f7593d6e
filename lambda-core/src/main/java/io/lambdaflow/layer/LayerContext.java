package io.lambdaflow.layer;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.spi.PluginConfig;
import java.io.PrintStream;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * What a layer is given.
 *
 * @param pipeline the validated pipeline
 * @param options the layer's own options, from the command line
 * @param spark the pipeline's Spark session, started on first use (a layer that does not call it
 *     starts without Spark)
 * @param out where the layer prints what its user should see (summaries, URLs)
 */
public record LayerContext(
    Pipeline pipeline, PluginConfig options, Supplier<SparkSession> spark, PrintStream out) {
  public LayerContext {
    requireNonNull(pipeline, "pipeline is null");
    requireNonNull(options, "options is null");
    requireNonNull(spark, "spark is null");
    requireNonNull(out, "out is null");
  }
}

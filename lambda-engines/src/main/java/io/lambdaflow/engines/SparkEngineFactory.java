package io.lambdaflow.engines;

import io.lambdaflow.engine.Engine;
import io.lambdaflow.engine.EngineContext;
import io.lambdaflow.engine.EngineFactory;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;

/** The built-in serving engine {@code spark}: Spark SQL on the pipeline's Spark session. */
public final class SparkEngineFactory implements EngineFactory {

  @Override
  public String name() {
    return "spark";
  }

  @Override
  public String description() {
    return "Spark SQL over the view files where they lie (spark.master), for views larger than one"
        + " machine; same answers as duckdb";
  }

  @Override
  public Options options() {
    return Options.of();
  }

  @Override
  public Engine create(PluginConfig options, EngineContext context) {
    return new SparkEngine(context.spark().get());
  }
}

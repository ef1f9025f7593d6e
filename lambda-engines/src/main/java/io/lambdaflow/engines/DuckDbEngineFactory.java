package io.lambdaflow.engines;

import io.lambdaflow.engine.Engine;
import io.lambdaflow.engine.EngineContext;
import io.lambdaflow.engine.EngineFactory;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionRule;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import java.util.List;

/** The built-in serving engine {@code duckdb}: DuckDB in the serving process, in memory. */
public final class DuckDbEngineFactory implements EngineFactory {
  static final ConfigOption<Integer> THREADS =
      ConfigOption.optional(
          "threads",
          OptionTypes.integer(),
          "DuckDB's worker threads for loading views and answering queries (default: one per"
              + " core).");

  @Override
  public String name() {
    return "duckdb";
  }

  @Override
  public String description() {
    return "embedded DuckDB over locally cached Parquet: milliseconds per lookup, for views that"
        + " fit one machine (bounded by serving.memory-limit)";
  }

  @Override
  public Options options() {
    return Options.of(THREADS)
        .withRules(
            config ->
                config.find(THREADS).filter(t -> t < 1).isPresent()
                    ? List.of(
                        new OptionRule.Violation(
                            THREADS.key(), "must be at least 1, got " + config.get(THREADS)))
                    : List.of());
  }

  @Override
  public Engine create(PluginConfig options, EngineContext context) {
    return new DuckDbEngine(
        context.readableFolders(),
        context.memoryLimit(),
        context.cacheFolder().resolve("duckdb-spill").toAbsolutePath().toString(),
        options.find(THREADS));
  }
}

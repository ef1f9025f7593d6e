package io.lambdaflow.engine;

import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginFactory;

/**
 * Creates the serving layer's query {@link Engine}, chosen by {@code serving.engine { type = NAME,
 * ... }} (or the shorthand {@code serving.engine = NAME}). The engine's own options sit beside
 * {@code type} and are validated against {@link #options()} with the rest of the pipeline file,
 * before anything starts.
 *
 * <p>List the implementation in {@code META-INF/services/io.lambdaflow.engine.EngineFactory}; a jar
 * on the classpath (or given with {@code --jars}) is all it takes.
 */
public interface EngineFactory extends PluginFactory {

  /**
   * Starts an engine. Called by the serving layer when it starts, never during validation.
   *
   * @param options the engine's validated options
   * @param context what the serving layer gives every engine
   */
  Engine create(PluginConfig options, EngineContext context);
}

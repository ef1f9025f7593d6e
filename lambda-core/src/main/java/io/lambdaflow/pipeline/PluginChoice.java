package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginFactory;

/**
 * A framework section that names a plugin, validated: {@code serving.engine { type = duckdb }} or
 * {@code store { type = folders }}.
 *
 * @param type the plugin's name
 * @param factory its factory
 * @param options its options, bound and checked
 */
public record PluginChoice<F extends PluginFactory>(String type, F factory, PluginConfig options) {
  public PluginChoice {
    requireNonNull(type, "type is null");
    requireNonNull(factory, "factory is null");
    requireNonNull(options, "options is null");
  }

  @Override
  public String toString() {
    return type;
  }
}

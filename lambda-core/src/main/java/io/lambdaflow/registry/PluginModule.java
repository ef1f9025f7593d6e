package io.lambdaflow.registry;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.lambdaflow.config.PipelineLoader;

/**
 * Wires plugin discovery: the {@link PluginRegistry} of every factory visible to a class loader
 * (the application's plus any plugin jars), and the {@link PipelineLoader} that validates against
 * it.
 */
public final class PluginModule extends AbstractModule {
  private final ClassLoader pluginClassLoader;

  public PluginModule(ClassLoader pluginClassLoader) {
    this.pluginClassLoader = requireNonNull(pluginClassLoader, "pluginClassLoader is null");
  }

  @Provides
  @Singleton
  PluginRegistry registry() {
    return PluginRegistry.discover(pluginClassLoader);
  }

  @Provides
  @Singleton
  PipelineLoader loader(PluginRegistry registry) {
    return new PipelineLoader(registry, pluginClassLoader);
  }
}

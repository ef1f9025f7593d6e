package io.lambdaflow.registry;

import io.lambdaflow.engine.EngineFactory;
import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.spi.PluginFactory;
import io.lambdaflow.spi.SinkFactory;
import io.lambdaflow.spi.SourceFactory;
import io.lambdaflow.spi.TransformFactory;
import io.lambdaflow.views.ViewStoreFactory;

/**
 * The families of plugins, each found through {@link java.util.ServiceLoader} under its factory
 * interface: what a pipeline reads, changes and writes (source, transform, sink: {@code
 * lambda-api}), and the framework's own pieces (layer, serving engine, view store: {@code
 * lambda-core}).
 */
public enum PluginKind {
  SOURCE("source", SourceFactory.class),
  TRANSFORM("transform", TransformFactory.class),
  SINK("sink", SinkFactory.class),
  LAYER("layer", LayerFactory.class),
  ENGINE("serving engine", EngineFactory.class),
  STORE("view store", ViewStoreFactory.class);

  private final String label;
  private final Class<? extends PluginFactory> factoryType;

  PluginKind(String label, Class<? extends PluginFactory> factoryType) {
    this.label = label;
    this.factoryType = factoryType;
  }

  /**
   * "source", "transform", "sink", "layer", "serving engine" or "view store", as errors name it.
   */
  public String label() {
    return label;
  }

  public Class<? extends PluginFactory> factoryType() {
    return factoryType;
  }
}

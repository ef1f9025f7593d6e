package io.lambdaflow.registry;

import io.lambdaflow.spi.PluginFactory;
import io.lambdaflow.spi.SinkFactory;
import io.lambdaflow.spi.SourceFactory;
import io.lambdaflow.spi.TransformFactory;

/** The three families of plugins. */
public enum PluginKind {
  SOURCE("source", SourceFactory.class),
  TRANSFORM("transform", TransformFactory.class),
  SINK("sink", SinkFactory.class);

  private final String label;
  private final Class<? extends PluginFactory> factoryType;

  PluginKind(String label, Class<? extends PluginFactory> factoryType) {
    this.label = label;
    this.factoryType = factoryType;
  }

  /** "source", "transform" or "sink", as errors name it. */
  public String label() {
    return label;
  }

  public Class<? extends PluginFactory> factoryType() {
    return factoryType;
  }
}

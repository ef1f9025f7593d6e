package io.lambdaflow.spi;

/** Creates {@link SourceSpec}s of one type from validated configuration. */
public interface SourceFactory extends PluginFactory {

  /**
   * Creates a source from configuration that has already been validated against {@link #options()}.
   * Called once per source during validation, before any Spark session exists; it must not connect
   * to anything. Throw {@link InvalidOptionException} for a problem the declared options cannot
   * express.
   */
  SourceSpec create(PluginConfig config, PluginContext context);
}

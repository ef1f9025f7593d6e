package io.lambdaflow.spi;

/** Creates {@link SinkSpec}s of one type from validated configuration. */
public interface SinkFactory extends PluginFactory {

  /**
   * Creates a sink from configuration that has already been validated against {@link #options()}.
   * Called once per sink during validation, before any Spark session exists; it must not connect to
   * anything. Throw {@link InvalidOptionException} for a problem the declared options cannot
   * express.
   */
  SinkSpec create(PluginConfig config, PluginContext context);
}

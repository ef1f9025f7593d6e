package io.lambdaflow.spi;

/** Creates {@link Transform}s of one type from validated configuration. */
public interface TransformFactory extends PluginFactory {

  /**
   * Creates a transform from configuration that has already been validated against {@link
   * #options()}. Called once per transform during validation, before any Spark session exists.
   * Throw {@link InvalidOptionException} for a problem the declared options cannot express.
   */
  Transform create(PluginConfig config, PluginContext context);
}

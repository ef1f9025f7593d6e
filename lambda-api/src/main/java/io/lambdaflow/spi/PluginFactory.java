package io.lambdaflow.spi;

/**
 * What every plugin factory has: a short type name used in configuration, a one-line description
 * and the options it accepts.
 *
 * <p>Factories are discovered with {@link java.util.ServiceLoader}: list the implementation in
 * {@code META-INF/services/} under the factory interface it implements ({@link SourceFactory},
 * {@link TransformFactory} or {@link SinkFactory}). A factory needs a public no-argument
 * constructor, holds no state, and may be called from any thread.
 */
public interface PluginFactory {

  /**
   * The short name that selects this plugin in configuration ({@code type = name}): lower case,
   * words joined by hyphens, unique among factories of the same kind.
   */
  String name();

  /** One line saying what the plugin does, shown by {@code lambda plugins} and in errors. */
  String description();

  /**
   * The options this plugin accepts. The framework validates a plugin's configuration against them
   * before any Spark session starts: unknown keys, missing required keys, wrong value types and
   * broken rules are all reported at once with file and line.
   */
  Options options();
}

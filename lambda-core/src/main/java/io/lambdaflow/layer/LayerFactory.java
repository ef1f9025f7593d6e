package io.lambdaflow.layer;

import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.PluginFactory;
import java.util.Map;
import java.util.Optional;

/**
 * Creates a {@link Layer}, chosen by name: {@code lambda NAME FILE} (the familiar verbs {@code
 * batch}, {@code speed} and {@code serve} are the built-in layers) or {@code layers = [NAME, ...]}
 * in a pipeline file. The layer's {@link #options()} are set on the command line: {@code --name}
 * for a boolean, {@code --name value} otherwise.
 *
 * <p>List the implementation in {@code META-INF/services/io.lambdaflow.layer.LayerFactory}; a jar
 * on the classpath (or given with {@code --jars}) is all it takes.
 */
public interface LayerFactory extends PluginFactory {

  /**
   * How this layer reads sources and writes sinks, so that validation checks each source and sink
   * supports it: {@link ExecutionMode#BATCH}, {@link ExecutionMode#STREAMING}, or empty for a layer
   * that reads neither (the serving layer reads only the view store).
   */
  Optional<ExecutionMode> mode();

  /**
   * Whether the layer runs until stopped (speed, serve) rather than finishing its work and
   * returning (batch). A continuous layer stops cleanly on SIGTERM or Ctrl-C and exits 0.
   */
  boolean continuous();

  /**
   * Pipeline keys this layer's command-line options set before the file is validated, such as
   * {@code serving.port} for {@code serve --port 9000}: key to value, in HOCON.
   *
   * @param flags the options given on the command line, by key, as text
   */
  default Map<String, String> overrides(Map<String, String> flags) {
    return Map.of();
  }

  /**
   * Creates the layer; starts nothing. Called after the pipeline was validated for {@link #mode()}.
   *
   * @throws IllegalArgumentException when the pipeline cannot run in this layer (the message says
   *     why and what to change; the command exits 2)
   */
  Layer create(LayerContext context);
}

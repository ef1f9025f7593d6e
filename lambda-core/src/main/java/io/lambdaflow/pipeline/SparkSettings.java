package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * How to start Spark for a pipeline.
 *
 * @param master the Spark master URL ({@code local[*]}, {@code spark://host:7077}, {@code yarn})
 * @param conf Spark properties, applied when the session is built
 */
public record SparkSettings(String master, Map<String, String> conf) {
  public SparkSettings {
    requireNonNull(master, "master is null");
    conf = Map.copyOf(conf);
  }
}

package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.spi.SourceSpec;
import java.time.Duration;
import java.util.Optional;

/**
 * A named, configured source of a pipeline.
 *
 * @param dimension whether the source is a dimension ({@code dimension = true}): a bounded table
 *     read whole by both layers, joined with the facts, outside the master dataset and horizons
 * @param refresh how often the speed layer reads a dimension again ({@code refresh = 10 minutes});
 *     empty: {@code speed.dimension-refresh}
 */
public record SourceNode(
    String name, String type, SourceSpec spec, boolean dimension, Optional<Duration> refresh) {
  public SourceNode {
    requireNonNull(name, "name is null");
    requireNonNull(type, "type is null");
    requireNonNull(spec, "spec is null");
    requireNonNull(refresh, "refresh is null");
  }

  /** A source of facts: read up to horizons, streamed by the speed layer. */
  public SourceNode(String name, String type, SourceSpec spec) {
    this(name, type, spec, false, Optional.empty());
  }
}

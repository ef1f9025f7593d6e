package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.spi.SourceSpec;

/** A named, configured source of a pipeline. */
public record SourceNode(String name, String type, SourceSpec spec) {
  public SourceNode {
    requireNonNull(name, "name is null");
    requireNonNull(type, "type is null");
    requireNonNull(spec, "spec is null");
  }
}

package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.spi.SinkSpec;

/** A named, configured sink and the name of the dataset it writes. */
public record SinkNode(String name, String type, String input, SinkSpec spec) {
  public SinkNode {
    requireNonNull(name, "name is null");
    requireNonNull(type, "type is null");
    requireNonNull(input, "input is null");
    requireNonNull(spec, "spec is null");
  }
}

package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.spi.Transform;
import java.util.List;

/** A named, configured transform and the names of its inputs (sources or earlier transforms). */
public record TransformNode(String name, String type, List<String> inputs, Transform transform) {
  public TransformNode {
    requireNonNull(name, "name is null");
    requireNonNull(type, "type is null");
    inputs = List.copyOf(inputs);
    requireNonNull(transform, "transform is null");
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("transform '" + name + "' has no inputs");
    }
  }
}

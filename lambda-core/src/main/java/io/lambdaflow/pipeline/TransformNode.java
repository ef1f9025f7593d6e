package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.spi.Transform;
import java.util.List;

/**
 * A named, configured transform, the names of its inputs (sources or earlier transforms), and the
 * expectations its output should meet.
 */
public record TransformNode(
    String name,
    String type,
    List<String> inputs,
    Transform transform,
    List<Expectation> expectations) {
  /** A transform without expectations. */
  public TransformNode(String name, String type, List<String> inputs, Transform transform) {
    this(name, type, inputs, transform, List.of());
  }

  public TransformNode {
    expectations = List.copyOf(expectations);
    requireNonNull(name, "name is null");
    requireNonNull(type, "type is null");
    inputs = List.copyOf(inputs);
    requireNonNull(transform, "transform is null");
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("transform '" + name + "' has no inputs");
    }
  }
}

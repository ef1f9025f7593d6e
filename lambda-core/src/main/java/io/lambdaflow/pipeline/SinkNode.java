package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.spi.SinkSpec;

/**
 * A named, configured sink and the name of the dataset it writes.
 *
 * @param outputMode the speed layer's output mode for this sink: append, update or complete
 * @param trigger this sink's speed-layer trigger, or empty for the pipeline's default
 * @param layers the layers that write this sink ({@code layers = [batch]} in its block); every
 *     layer of the pipeline when it names none
 */
public record SinkNode(
    String name,
    String type,
    String input,
    SinkSpec spec,
    String outputMode,
    String trigger,
    java.util.Set<io.lambdaflow.spi.ExecutionMode> layers) {
  public SinkNode {
    layers = java.util.Set.copyOf(layers);
    requireNonNull(name, "name is null");
    requireNonNull(type, "type is null");
    requireNonNull(input, "input is null");
    requireNonNull(spec, "spec is null");
    requireNonNull(outputMode, "outputMode is null");
    requireNonNull(trigger, "trigger is null");
  }

  /** A sink every layer writes. */
  public SinkNode(
      String name, String type, String input, SinkSpec spec, String outputMode, String trigger) {
    this(
        name,
        type,
        input,
        spec,
        outputMode,
        trigger,
        java.util.EnumSet.allOf(io.lambdaflow.spi.ExecutionMode.class));
  }

  /** Whether {@code mode}'s layer writes this sink. */
  public boolean writtenIn(io.lambdaflow.spi.ExecutionMode mode) {
    return layers.contains(mode);
  }
}

package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.spi.SinkSpec;

/**
 * A named, configured sink and the name of the dataset it writes.
 *
 * @param outputMode the speed layer's output mode for this sink: append, update or complete
 * @param trigger this sink's speed-layer trigger, or empty for the pipeline's default
 */
public record SinkNode(
    String name, String type, String input, SinkSpec spec, String outputMode, String trigger) {
  public SinkNode {
    requireNonNull(name, "name is null");
    requireNonNull(type, "type is null");
    requireNonNull(input, "input is null");
    requireNonNull(spec, "spec is null");
    requireNonNull(outputMode, "outputMode is null");
    requireNonNull(trigger, "trigger is null");
  }
}

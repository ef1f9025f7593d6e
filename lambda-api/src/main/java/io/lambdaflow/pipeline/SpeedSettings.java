package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

/**
 * How the speed layer runs a pipeline.
 *
 * @param trigger the default trigger of every sink's query: a processing-time interval ({@code 10
 *     seconds}), {@code available-now} or {@code once}
 * @param checkpointRoot where each sink's query keeps its checkpoint, one folder per sink
 */
public record SpeedSettings(String trigger, String checkpointRoot) {
  public SpeedSettings {
    requireNonNull(trigger, "trigger is null");
    requireNonNull(checkpointRoot, "checkpointRoot is null");
  }
}

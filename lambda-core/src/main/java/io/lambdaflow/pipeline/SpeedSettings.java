package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How the speed layer runs a pipeline.
 *
 * @param trigger the default trigger of every sink's query: a processing-time interval ({@code 10
 *     seconds}), {@code available-now} or {@code once}
 * @param checkpointRoot where each sink's query keeps its checkpoint, one folder per sink
 * @param restart how a speed layer whose queries failed (a source or sink outage) starts again
 * @param dimensionRefresh how often a dimension source is read again, unless it sets its own
 * @param driverWriteLimit micro-batches with at most this many records past the horizon have their
 *     speed views collected to the driver and written there; 0 never
 */
public record SpeedSettings(
    String trigger,
    String checkpointRoot,
    Restart restart,
    Duration dimensionRefresh,
    int driverWriteLimit) {
  public SpeedSettings {
    requireNonNull(dimensionRefresh, "dimensionRefresh is null");
    requireNonNull(trigger, "trigger is null");
    requireNonNull(checkpointRoot, "checkpointRoot is null");
    requireNonNull(restart, "restart is null");
  }

  /** How often the speed layer reads {@code source}, a dimension, again. */
  public Duration refreshOf(SourceNode source) {
    return source.refresh().orElse(dimensionRefresh);
  }

  /**
   * The restart policy: after a failure the queries start again from their checkpoints, waiting
   * {@code backoff} first, twice as long after each failure in a row (at most {@code maxBackoff});
   * after {@code attempts} failures in a row the speed layer fails. A restart that completes a
   * micro-batch ends the row.
   *
   * @param attempts restarts in a row before giving up; 0 never restarts
   * @param backoff the wait before the first restart
   * @param maxBackoff the longest wait
   */
  public record Restart(int attempts, Duration backoff, Duration maxBackoff) {
    public Restart {
      requireNonNull(backoff, "backoff is null");
      requireNonNull(maxBackoff, "maxBackoff is null");
    }

    /** The wait before restart number {@code failures} (1 for the first) of a row. */
    public Duration wait(int failures) {
      Duration wait = backoff;
      for (int i = 1; i < failures && wait.compareTo(maxBackoff) < 0; i++) {
        wait = wait.multipliedBy(2);
      }
      return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
    }
  }
}

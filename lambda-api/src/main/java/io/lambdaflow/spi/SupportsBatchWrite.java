package io.lambdaflow.spi;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** A sink the batch layer can write. */
public interface SupportsBatchWrite extends SinkSpec {

  /**
   * Writes a bounded dataset; returns when the data is durably written. Called on the driver once
   * per batch run; in a run of a pipeline without views, at the same time as the run's other sinks
   * are written (each on a thread of its own, which carries the run's Spark properties), so a sink
   * must not share unguarded state with other sinks. An exception fails the run; the framework
   * reports it with the sink's name.
   */
  void writeBatch(Dataset<Row> data, WriteContext context);

  /**
   * Whether each batch write replaces all that earlier batch runs wrote here ({@code mode =
   * overwrite}, or a sink that keeps nothing). When every sink of a pipeline without views
   * replaces, the run's dead letters replace the earlier runs' too: a re-run leaves each bad record
   * once, beside the output it belongs to.
   */
  default boolean replaces() {
    return false;
  }

  /**
   * Writes {@code data} in place of all that earlier batch runs wrote here: how the dead-letter
   * sink is written when the pipeline's sinks all {@link #replaces() replace}. Sinks that cannot
   * keep the default, and such runs append their dead letters as before.
   *
   * @return whether this sink replaced (false: nothing written, append instead)
   */
  default boolean replaceBatch(Dataset<Row> data, WriteContext context) {
    return false;
  }
}

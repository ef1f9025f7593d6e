package io.lambdaflow.views;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One micro-batch of a speed view, as written: its rows are in the Parquet files of {@code path}.
 *
 * @param batchId the streaming micro-batch id
 * @param path its folder
 * @param rows how many rows it holds
 * @param columns the view's user columns (besides the framework's position columns)
 * @param maxOffsets the highest offset it holds, per source and partition; the batch is obsolete
 *     once a published horizon covers all of them
 * @param writtenAt when it was written
 */
public record SpeedBatch(
    long batchId,
    String path,
    long rows,
    List<String> columns,
    Map<String, Map<String, Long>> maxOffsets,
    Instant writtenAt) {
  public SpeedBatch {
    requireNonNull(path, "path is null");
    columns = List.copyOf(columns);
    maxOffsets = Map.copyOf(maxOffsets);
    requireNonNull(writtenAt, "writtenAt is null");
  }

  /** Whether every row of this batch is at or below {@code published}'s horizons. */
  public boolean coveredBy(Published published) {
    for (Map.Entry<String, Map<String, Long>> source : maxOffsets.entrySet()) {
      for (Map.Entry<String, Long> partition : source.getValue().entrySet()) {
        if (!published.horizon(source.getKey()).covers(partition.getKey(), partition.getValue())) {
          return false;
        }
      }
    }
    return true;
  }
}

package io.lambdaflow.serving;

import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.views.Published;
import io.lambdaflow.views.SpeedBatch;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** What one view is served from right now. */
public record ViewState(
    ViewNode view,
    List<String> columns,
    Published published,
    List<SpeedBatch> speedBatches,
    long batchRows,
    long speedRows,
    Instant refreshedAt) {

  /**
   * Per source and partition, the end (exclusive) of the offsets this view's answer includes: the
   * published horizon, or past it one beyond the highest offset of the speed micro-batches merged.
   */
  public Map<String, Map<String, Long>> coverage() {
    Map<String, Map<String, Long>> ends = new TreeMap<>();
    published
        .horizons()
        .forEach((source, horizon) -> ends.put(source, new TreeMap<>(horizon.ends())));
    for (SpeedBatch batch : speedBatches) {
      batch
          .maxOffsets()
          .forEach(
              (source, partitions) ->
                  partitions.forEach(
                      (part, max) ->
                          ends.computeIfAbsent(source, k -> new TreeMap<>())
                              .merge(part, max + 1, Math::max)));
    }
    return ends;
  }

  /** When the newest data it serves was written: the latest speed batch, or the publish. */
  public Instant dataAsOf() {
    Instant latest = published.run() == 0 ? Instant.EPOCH : published.publishedAt();
    for (SpeedBatch batch : speedBatches) {
      if (batch.writtenAt().isAfter(latest)) {
        latest = batch.writtenAt();
      }
    }
    return latest;
  }

  /** Whether {@code other} are the same speed micro-batches, each written at the same time. */
  boolean sameSpeedBatches(List<SpeedBatch> other) {
    List<SpeedBatch> a = speedBatches;
    List<SpeedBatch> b = other;
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i).batchId() != b.get(i).batchId()
          || !Objects.equals(a.get(i).writtenAt(), b.get(i).writtenAt())) {
        return false;
      }
    }
    return true;
  }
}

package io.lambdaflow.speed;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the shared-read query's micro-batches spent their time, in milliseconds per phase: written
 * by the micro-batch's writer ({@link SharedReadWriter}), taken by the progress listener when Spark
 * reports the micro-batch ({@link ProgressLogger}), which adds Spark's own phases.
 */
final class MicroBatchPhases {
  /** The phases the writer measures, in the order they run. */
  static final String PLAN = "plan";

  static final String DECODE = "decode";
  static final String VIEWS = "views";
  static final String DEAD_LETTERS = "dead letters";

  private final Map<Long, Map<String, Long>> byBatch = new ConcurrentHashMap<>();

  void put(long batchId, Map<String, Long> phases) {
    if (byBatch.size() > 100) { // progress events that never came (a failed micro-batch)
      byBatch.clear();
    }
    byBatch.put(batchId, new LinkedHashMap<>(phases));
  }

  /**
   * The phases of micro-batch {@code batchId}, the writer's then Spark's from its {@code
   * durationMs}: the offsets it asked for, its planning, its offset and commit logs, and what is
   * left of the micro-batch's whole time ("other"). Empty for another query's micro-batch.
   */
  Map<String, Long> take(long batchId, Map<String, Long> spark) {
    Map<String, Long> ours = byBatch.remove(batchId);
    Map<String, Long> phases = new LinkedHashMap<>();
    if (ours == null) {
      return phases;
    }
    phases.putAll(ours);
    phases.put("latest offsets", spark.getOrDefault("latestOffset", 0L));
    phases.put("query planning", spark.getOrDefault("queryPlanning", 0L));
    phases.put(
        "offset and commit logs",
        spark.getOrDefault("walCommit", 0L) + spark.getOrDefault("commitOffsets", 0L));
    long total = spark.getOrDefault("triggerExecution", 0L);
    long counted = phases.values().stream().mapToLong(Long::longValue).sum();
    phases.put("other", Math.max(0, total - counted));
    return phases;
  }
}

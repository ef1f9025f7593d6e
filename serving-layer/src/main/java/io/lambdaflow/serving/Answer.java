package io.lambdaflow.serving;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.engine.QueryResult;
import java.util.Map;

/**
 * An answer and what it covers: for each served view, per source and partition, the end (exclusive)
 * of the offsets whose records the answer includes — the batch horizon, or past it the last speed
 * micro-batch merged. Every record below the end that reaches the view is in the answer, and none
 * at or past it.
 */
public record Answer(QueryResult result, Map<String, Map<String, Map<String, Long>>> covers) {
  public Answer {
    requireNonNull(result, "result is null");
    covers = Map.copyOf(covers);
  }
}

package io.lambdaflow.layer;

import io.lambdaflow.engine.QueryResult;

/**
 * What a layer that serves views answers in process, as its HTTP API does ({@link
 * Layer#answers()}). The built-in {@code serve} layer has it; the store contract test kit and
 * embedding programs use it.
 */
public interface AnswersQueries {

  /** Picks up what was published and committed since the last refresh; whether anything changed. */
  boolean refresh();

  /**
   * Runs one read-only SQL query over the served views, checked and limited as over HTTP.
   *
   * @throws IllegalArgumentException saying why the query is refused, failed or timed out
   */
  QueryResult query(String sql);
}

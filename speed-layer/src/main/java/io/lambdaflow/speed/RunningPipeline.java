package io.lambdaflow.speed;

import io.lambdaflow.pipeline.ExpectationCounts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The streaming queries of one pipeline: wait for them, or stop them between micro-batches. */
public final class RunningPipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunningPipeline.class);
  private static final Duration STOP_GRACE = Duration.ofSeconds(60);

  private final SparkSession spark;
  private final String pipeline;
  private final List<StreamingQuery> queries;
  private final StreamingQueryListener progress;
  private final Dimensions dimensions; // null: none
  private final ExpectationListener expectations; // null: not counted
  private volatile boolean stopping;

  RunningPipeline(
      SparkSession spark,
      String pipeline,
      List<StreamingQuery> queries,
      StreamingQueryListener progress) {
    this(spark, pipeline, queries, progress, null, null);
  }

  RunningPipeline(
      SparkSession spark,
      String pipeline,
      List<StreamingQuery> queries,
      StreamingQueryListener progress,
      Dimensions dimensions,
      ExpectationListener expectations) {
    this.spark = spark;
    this.pipeline = pipeline;
    this.queries = List.copyOf(queries);
    this.progress = progress;
    this.dimensions = dimensions;
    this.expectations = expectations;
  }

  /**
   * The records that failed each data-quality expectation so far: since the speed layer started,
   * across restarts ({@link SpeedLayer#run}), or since these queries started ({@link
   * SpeedLayer#start}).
   */
  public ExpectationCounts expectations() {
    return expectations.counts();
  }

  /** The running queries, one per sink and one for dead letters. */
  public List<StreamingQuery> queries() {
    return queries;
  }

  /**
   * Waits until every query has ended: by itself (an available-now trigger), by {@link #close()},
   * or by failing.
   *
   * @throws StreamingQueryException for the first query that failed
   */
  public void awaitTermination() throws StreamingQueryException {
    for (StreamingQuery query : queries) {
      query.awaitTermination();
    }
  }

  /** Waits until every query has processed all data available now; for tests and demos. */
  public void processAllAvailable() {
    queries.forEach(StreamingQuery::processAllAvailable);
  }

  /**
   * Stops every query after its current micro-batch (waiting up to a minute for a batch to end), so
   * that nothing is half-written; the checkpoints make even a hard stop safe.
   *
   * <p>Spark has no graceful stop: {@link StreamingQuery#stop()} interrupts whatever runs. With a
   * backlog one micro-batch follows the next at once, so there is no idle moment to wait for;
   * instead this waits for the batch running now to record its progress and stops in the few
   * milliseconds before the next one writes anything.
   */
  @Override
  public void close() {
    if (stopping) {
      return;
    }
    stopping = true;
    for (StreamingQuery query : queries) {
      long before = lastBatch(query);
      Instant deadline = Instant.now().plus(STOP_GRACE);
      while (query.isActive()
          && query.status().isTriggerActive()
          && lastBatch(query) == before
          && Instant.now().isBefore(deadline)) {
        try {
          query.awaitTermination(2);
        } catch (StreamingQueryException e) {
          break;
        }
      }
      try {
        query.stop();
      } catch (TimeoutException e) {
        LOG.warn("query {} did not stop in time: {}", query.name(), e.getMessage());
      }
    }
    spark.streams().removeListener(progress);
    if (progress instanceof ProgressLogger logger) {
      logger.close();
    }
    if (expectations != null) {
      expectations.close();
    }
    if (dimensions != null) {
      spark.streams().removeListener(dimensions);
      dimensions.close();
    }
    LOG.info("speed layer of pipeline '{}' stopped", pipeline);
  }

  /** The id of the last micro-batch the query completed, or -1. */
  private static long lastBatch(StreamingQuery query) {
    var progress = query.lastProgress();
    return progress == null ? -1 : progress.batchId();
  }
}

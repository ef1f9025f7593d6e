package io.lambdaflow.batch;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.pipeline.ExpectationCounts;
import io.lambdaflow.pipeline.Expectations;
import io.lambdaflow.pipeline.PipelinePlanner;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.util.QueryExecutionListener;

/**
 * Collects the named metrics ({@code Dataset.observe(name, ...)}) of a run's Spark actions. Unlike
 * {@code Observation.get}, it never waits forever: a sink that runs its plan outside the action
 * (Spark's V1 Kafka and JDBC writers do) reports nothing, and its count is then unknown.
 */
final class RunMetrics implements QueryExecutionListener, AutoCloseable {
  private static final long PATIENCE_MILLIS = 10_000;

  private final SparkSession spark;
  private final Map<String, Row> received = new ConcurrentHashMap<>();

  RunMetrics(SparkSession spark) {
    this.spark = requireNonNull(spark, "spark is null");
    spark.listenerManager().register(this);
  }

  @Override
  public void onSuccess(String funcName, QueryExecution qe, long durationNs) {
    scala.collection.Iterator<scala.Tuple2<String, Row>> metrics = qe.observedMetrics().iterator();
    boolean any = false;
    while (metrics.hasNext()) {
      scala.Tuple2<String, Row> metric = metrics.next();
      // The first action that computed a dataset counted all of it; later ones read a cache.
      any |= received.putIfAbsent(metric._1(), metric._2()) == null;
    }
    if (any) {
      synchronized (this) {
        notifyAll();
      }
    }
  }

  @Override
  public void onFailure(String funcName, QueryExecution qe, Exception exception) {}

  /**
   * The metrics observed under {@code name}, waiting until {@code deadline} for Spark's listener
   * bus to deliver them; empty when they never come.
   */
  synchronized Optional<Row> await(String name, Instant deadline) {
    while (!received.containsKey(name)) {
      long left = Duration.between(Instant.now(), deadline).toMillis();
      if (left <= 0) {
        return Optional.empty();
      }
      try {
        wait(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
    return Optional.of(received.get(name));
  }

  /**
   * Adds what {@code plan}'s expectations counted in this run to {@code counts}. A stage no write
   * of the run read (one only views read, say) is counted in a pass of its own.
   */
  void countExpectations(PipelinePlanner.Plan plan, ExpectationCounts counts) {
    if (plan.checks().isEmpty()) {
      return;
    }
    try {
      // Every finished action's metrics delivered: a stage missing now was read by none.
      spark.sparkContext().listenerBus().waitUntilEmpty(PATIENCE_MILLIS);
    } catch (java.util.concurrent.TimeoutException e) {
      // A busy bus: what has not come by now is counted again below; the first count stays.
    }
    for (Expectations.Check check : plan.checks()) {
      Optional<Row> observed = await(check.metric(), Instant.now());
      if (observed.isEmpty()) {
        check.kept().count();
        observed = await(check.metric(), Instant.now().plus(BatchLayer.PATIENCE));
      }
      observed.ifPresent(row -> counts.add(check.stage(), row));
    }
  }

  @Override
  public void close() {
    spark.listenerManager().unregister(this);
  }
}

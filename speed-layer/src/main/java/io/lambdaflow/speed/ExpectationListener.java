package io.lambdaflow.speed;

import io.lambdaflow.metrics.PipelineMetrics;
import io.lambdaflow.pipeline.ExpectationCounts;
import io.lambdaflow.pipeline.Expectations;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.util.QueryExecutionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds up a speed layer's expectation counts ({@link Expectations}) from two places: a streaming
 * query's progress, for the checks of the pipeline's streaming plan; and finished actions, for the
 * checks a micro-batch plans as a bounded dataset, each counted once (the first action that
 * computed it) however many actions read it. Every query that reads a stage sees all of its
 * records, so each stage is counted from one place only: the first that reports it.
 */
final class ExpectationListener extends StreamingQueryListener implements QueryExecutionListener {
  private static final Logger LOG = LoggerFactory.getLogger(SpeedLayer.class);
  private static final String BOUNDED = "micro-batch plans";
  private static final int PENDING = 1_000;

  private final ExpectationCounts counts;
  private final PipelineMetrics metrics;
  private final SparkSession spark;
  private final Map<String, String> streamed = new ConcurrentHashMap<>();
  private final Map<String, String> owners = new ConcurrentHashMap<>();

  /** Checks of bounded plans not counted yet; the oldest are forgotten (a stage none computed). */
  private final Map<String, String> pending =
      java.util.Collections.synchronizedMap(
          new java.util.LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
              return size() > PENDING;
            }
          });

  ExpectationListener(SparkSession spark, ExpectationCounts counts, PipelineMetrics metrics) {
    this.spark = spark;
    this.counts = counts;
    this.metrics = metrics;
  }

  /** Listens to {@code spark}'s queries and actions until {@link #close()}. */
  ExpectationListener register() {
    spark.streams().addListener(this);
    spark.listenerManager().register(this);
    return this;
  }

  void close() {
    spark.streams().removeListener(this);
    spark.listenerManager().unregister(this);
  }

  /** The checks of the streaming plan: counted from query progress, every micro-batch. */
  void streaming(Iterable<Expectations.Check> checks) {
    checks.forEach(check -> streamed.put(check.metric(), check.stage()));
  }

  /** The checks of a micro-batch's bounded plan: each counted once, when an action computed it. */
  void bounded(Iterable<Expectations.Check> checks) {
    checks.forEach(check -> pending.put(check.metric(), check.stage()));
  }

  ExpectationCounts counts() {
    return counts;
  }

  @Override
  public void onSuccess(String funcName, QueryExecution qe, long durationNs) {
    scala.collection.Iterator<scala.Tuple2<String, Row>> metrics = qe.observedMetrics().iterator();
    while (metrics.hasNext()) {
      scala.Tuple2<String, Row> metric = metrics.next();
      String stage = pending.remove(metric._1());
      if (stage != null && BOUNDED.equals(owners.computeIfAbsent(stage, k -> BOUNDED))) {
        add(stage, metric._2());
      }
    }
  }

  @Override
  public void onFailure(String funcName, QueryExecution qe, Exception exception) {}

  @Override
  public void onQueryStarted(QueryStartedEvent event) {}

  @Override
  public void onQueryProgress(QueryProgressEvent event) {
    StreamingQueryProgress progress = event.progress();
    Map<String, Row> observed = progress.observedMetrics();
    if (observed == null || observed.isEmpty()) {
      return;
    }
    String query = progress.id().toString();
    for (Map.Entry<String, Row> metric : observed.entrySet()) {
      String stage = streamed.get(metric.getKey());
      if (stage != null && query.equals(owners.computeIfAbsent(stage, k -> query))) {
        add(stage, metric.getValue());
      }
    }
  }

  @Override
  public void onQueryTerminated(QueryTerminatedEvent event) {}

  private void add(String stage, Row observed) {
    List<ExpectationCounts.Count> added = counts.add(stage, observed);
    metrics.expectations(added);
    String failed =
        added.stream()
            .filter(c -> c.failed() > 0)
            .map(
                c ->
                    String.format(
                        Locale.ROOT, "%s (%s): %,d", c.expectation(), c.policy().key(), c.failed()))
            .collect(Collectors.joining(", "));
    if (!failed.isEmpty()) {
      LOG.info("expectations of '{}' failed by records of a micro-batch: {}", stage, failed);
    }
  }
}

package io.lambdaflow.speed;

import io.lambdaflow.metrics.PipelineMetrics;
import io.lambdaflow.pipeline.DeadLetterStages;
import io.lambdaflow.pipeline.ExpectationCounts;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelinePlanner;
import io.lambdaflow.status.SpeedStatus;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.SourceProgress;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs each micro-batch of a pipeline's queries at INFO: the input rows it read (not what it wrote:
 * the dead-letter query reads every record and writes only the bad ones), rate, duration, lag; and
 * adds it to the pipeline's metrics: duration and lag per query, records out per sink and dead
 * letters per stage (from the metrics the queries observe), and records in for a single-source
 * pipeline (from the views query, or else the first sink's query: each query reads every record).
 */
final class ProgressLogger extends StreamingQueryListener {
  /** The prefix of the observed metric counting what a sink's query hands the sink. */
  static final String OUT = "lambdaflow_out_";

  /** The observed metric of the dead-letter query, with a count per stage. */
  static final String DEAD_LETTERS = "lambdaflow_dead_letters";

  private static final Logger LOG = LoggerFactory.getLogger(SpeedLayer.class);

  private final Pipeline pipeline;
  private final String prefix;
  private final PipelineMetrics metrics;
  private final SpeedStatus status;
  private final ExpectationCounts expectations;
  private final MicroBatchPhases phases = new MicroBatchPhases();

  ProgressLogger(
      Pipeline pipeline,
      PipelineMetrics metrics,
      SpeedStatus status,
      ExpectationCounts expectations) {
    this.pipeline = pipeline;
    this.prefix = pipeline.name() + ".";
    this.metrics = metrics;
    this.status = status;
    this.expectations = expectations;
  }

  /** Where the shared-read query's writer leaves its phases for the progress line. */
  MicroBatchPhases phases() {
    return phases;
  }

  /** Writes no more status: the speed layer stopped (its storage may be deleted next). */
  void close() {
    status.close();
  }

  @Override
  public void onQueryStarted(QueryStartedEvent event) {}

  @Override
  public void onQueryProgress(QueryProgressEvent event) {
    StreamingQueryProgress progress = event.progress();
    if (progress.name() == null || !progress.name().startsWith(prefix)) {
      return;
    }
    Map<String, Row> observed = progress.observedMetrics();
    if (observed != null) {
      observed.forEach(this::count);
    }
    if (progress.numInputRows() == 0) {
      return;
    }
    long lag = 0;
    for (SourceProgress source : progress.sources()) {
      Map<String, String> sourceMetrics = source.metrics();
      String behind = sourceMetrics == null ? null : sourceMetrics.get("maxOffsetsBehindLatest");
      if (behind != null) {
        lag += Long.parseLong(behind);
      }
    }
    Long duration = progress.durationMs().get("triggerExecution");
    Map<String, Long> spent =
        progress.name().equals(prefix + "views")
            ? phases.take(progress.batchId(), progress.durationMs())
            : Map.of();
    metrics.microBatch(
        progress.name(),
        progress.numInputRows(),
        Duration.ofMillis(duration == null ? 0 : duration),
        lag);
    status.add(
        new SpeedStatus.MicroBatch(
            progress.name(),
            progress.batchId(),
            System.currentTimeMillis(),
            progress.numInputRows(),
            duration == null ? 0 : duration,
            lag,
            spent),
        expectations.counts());
    if (countsRecordsIn(progress.name())) {
      metrics.recordsIn(pipeline.facts().get(0).name(), progress.numInputRows());
    }
    LOG.info(
        String.format(
            Locale.ROOT,
            "query %s, micro-batch %d: read %,d input rows in %,d ms (%,.0f rows/s), lag %,d"
                + " offsets%s",
            progress.name(),
            progress.batchId(),
            progress.numInputRows(),
            duration == null ? 0 : duration,
            progress.processedRowsPerSecond(),
            lag,
            spent.isEmpty() ? "" : "; ms spent: " + spent.toString().replaceAll("[{}]", "")));
    LOG.debug(
        "{} batch {} phases (ms): {}", progress.name(), progress.batchId(), progress.durationMs());
  }

  /** Whether {@code query}'s input rows are the records in of the pipeline's one source. */
  private boolean countsRecordsIn(String query) {
    if (pipeline.facts().size() != 1) {
      return false;
    }
    if (pipeline.hasViews()) {
      // One query for all views, or one per input of views: the first view's.
      return query.equals(prefix + "views")
          || query.equals(prefix + "views." + PipelinePlanner.inputOf(pipeline.views().get(0)));
    }
    return pipeline.sinksIn(io.lambdaflow.spi.ExecutionMode.STREAMING).stream()
        .findFirst()
        .map(sink -> query.equals(prefix + sink.name()))
        .orElse(false);
  }

  private void count(String name, Row row) {
    if (name.startsWith(OUT)) {
      metrics.recordsOut(name.substring(OUT.length()), row.<Long>getAs("records"));
    } else if (name.equals(DEAD_LETTERS)) {
      DeadLetterStages.counts(pipeline, row).forEach(metrics::deadLetters);
    }
  }

  @Override
  public void onQueryTerminated(QueryTerminatedEvent event) {
    if (event.exception().isDefined()) {
      LOG.error("query {} failed: {}", event.id(), event.exception().get());
    }
  }
}

package io.lambdaflow.speed;

import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.streaming.SourceProgress;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs each micro-batch of a pipeline's queries at INFO: the input rows it read (not what it wrote:
 * the dead-letter query reads every record and writes only the bad ones), rate, duration, lag.
 */
final class ProgressLogger extends StreamingQueryListener {
  private static final Logger LOG = LoggerFactory.getLogger(SpeedLayer.class);

  private final String prefix;

  ProgressLogger(String pipeline) {
    this.prefix = pipeline + ".";
  }

  @Override
  public void onQueryStarted(QueryStartedEvent event) {}

  @Override
  public void onQueryProgress(QueryProgressEvent event) {
    StreamingQueryProgress progress = event.progress();
    if (progress.name() == null
        || !progress.name().startsWith(prefix)
        || progress.numInputRows() == 0) {
      return;
    }
    long lag = 0;
    for (SourceProgress source : progress.sources()) {
      Map<String, String> metrics = source.metrics();
      String behind = metrics == null ? null : metrics.get("maxOffsetsBehindLatest");
      if (behind != null) {
        lag += Long.parseLong(behind);
      }
    }
    Long duration = progress.durationMs().get("triggerExecution");
    LOG.info(
        String.format(
            Locale.ROOT,
            "query %s, micro-batch %d: read %,d input rows in %,d ms (%,.0f rows/s), lag %,d"
                + " offsets",
            progress.name(),
            progress.batchId(),
            progress.numInputRows(),
            duration == null ? 0 : duration,
            progress.processedRowsPerSecond(),
            lag));
    LOG.debug(
        "{} batch {} phases (ms): {}", progress.name(), progress.batchId(), progress.durationMs());
  }

  @Override
  public void onQueryTerminated(QueryTerminatedEvent event) {
    if (event.exception().isDefined()) {
      LOG.error("query {} failed: {}", event.id(), event.exception().get());
    }
  }
}

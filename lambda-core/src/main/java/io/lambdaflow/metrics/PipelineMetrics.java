package io.lambdaflow.metrics;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.pipeline.ExpectationCounts;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A pipeline's Prometheus metrics in one layer's process, on the Prometheus Java client: counters
 * of records in (per source), out (per sink), dead letters (per stage) and records failing each
 * expectation; micro-batch and batch-run durations; Kafka lag; serving request latency; and what a
 * layer adds as gauges (view freshness and rows). Every series carries the labels {@code pipeline}
 * and {@code layer}. Names follow Prometheus conventions: {@code lambdaflow_} prefix, base units
 * ({@code _seconds}), {@code _total} on counters. {@link #scrape()} gives the text format.
 */
public final class PipelineMetrics {
  /** The Content-Type of {@link #scrape()}: Prometheus text format 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final double[] BATCH_SECONDS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
  private static final double[] REQUEST_SECONDS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10
  };

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final String pipeline;
  private final String layer;
  private final Counter recordsIn;
  private final Counter recordsOut;
  private final Counter deadLetters;
  private final Counter expectationFailures;
  private final Counter queryInput;
  private final Histogram microBatches;
  private final Gauge kafkaLag;
  private final Counter batchRuns;
  private final Histogram batchRunDuration;
  private final Gauge lastSuccess;
  private final Histogram requests;

  /** Metrics of {@code pipeline} in {@code layer} (batch, speed, serve, schedule). */
  public PipelineMetrics(String pipeline, String layer) {
    this.pipeline = requireNonNull(pipeline, "pipeline is null");
    this.layer = requireNonNull(layer, "layer is null");
    recordsIn =
        counter(
            "lambdaflow_records_in",
            "Records read, per source (rejected ones included).",
            "source");
    recordsOut = counter("lambdaflow_records_out", "Records handed to each sink.", "sink");
    deadLetters =
        counter("lambdaflow_dead_letters", "Records sent to the dead letters, per stage.", "stage");
    expectationFailures =
        counter(
            "lambdaflow_expectation_failed_records",
            "Records that failed a data-quality expectation.",
            "stage",
            "expectation",
            "policy");
    queryInput =
        counter(
            "lambdaflow_query_input_records",
            "Rows each streaming query read from its sources.",
            "query");
    microBatches =
        Histogram.builder()
            .name("lambdaflow_micro_batch_duration_seconds")
            .help("How long each micro-batch of a streaming query took.")
            .labelNames("pipeline", "layer", "query")
            .classicOnly()
            .classicUpperBounds(BATCH_SECONDS)
            .register(registry);
    kafkaLag =
        Gauge.builder()
            .name("lambdaflow_kafka_lag_records")
            .help("Records in Kafka not read yet by a query, after its last micro-batch.")
            .labelNames("pipeline", "layer", "query")
            .register(registry);
    batchRuns =
        counter(
            "lambdaflow_batch_runs", "Batch runs finished, by outcome (ok, failed).", "outcome");
    batchRunDuration =
        Histogram.builder()
            .name("lambdaflow_batch_run_duration_seconds")
            .help("How long each batch run took.")
            .labelNames("pipeline", "layer")
            .classicOnly()
            .classicUpperBounds(BATCH_SECONDS)
            .register(registry);
    lastSuccess =
        Gauge.builder()
            .name("lambdaflow_batch_last_success_timestamp_seconds")
            .help("When the last successful batch run ended, in Unix seconds.")
            .labelNames("pipeline", "layer")
            .register(registry);
    requests =
        Histogram.builder()
            .name("lambdaflow_serving_request_duration_seconds")
            .help("How long the serving layer took to answer, per endpoint and status.")
            .labelNames("pipeline", "layer", "endpoint", "status")
            .classicOnly()
            .classicUpperBounds(REQUEST_SECONDS)
            .register(registry);
  }

  private Counter counter(String name, String help, String... labels) {
    String[] all = new String[labels.length + 2];
    all[0] = "pipeline";
    all[1] = "layer";
    System.arraycopy(labels, 0, all, 2, labels.length);
    return Counter.builder().name(name).help(help).labelNames(all).register(registry);
  }

  public void recordsIn(String source, long records) {
    recordsIn.labelValues(pipeline, layer, source).inc(records);
  }

  public void recordsOut(String sink, long records) {
    recordsOut.labelValues(pipeline, layer, sink).inc(records);
  }

  public void deadLetters(String stage, long records) {
    deadLetters.labelValues(pipeline, layer, stage).inc(records);
  }

  /** Adds {@code counts} (one run's, or one micro-batch's) to the expectation counters. */
  public void expectations(Iterable<ExpectationCounts.Count> counts) {
    for (ExpectationCounts.Count count : counts) {
      expectationFailures
          .labelValues(pipeline, layer, count.stage(), count.expectation(), count.policy().key())
          .inc(count.failed());
    }
  }

  /** One micro-batch of {@code query}: rows it read, how long it took, the lag it left. */
  public void microBatch(String query, long inputRows, Duration duration, long lag) {
    queryInput.labelValues(pipeline, layer, query).inc(inputRows);
    microBatches.labelValues(pipeline, layer, query).observe(duration.toNanos() / 1e9);
    kafkaLag.labelValues(pipeline, layer, query).set(lag);
  }

  public void batchRun(boolean ok, Duration duration) {
    batchRuns.labelValues(pipeline, layer, ok ? "ok" : "failed").inc();
    batchRunDuration.labelValues(pipeline, layer).observe(duration.toNanos() / 1e9);
    if (ok) {
      lastSuccess.labelValues(pipeline, layer).set(System.currentTimeMillis() / 1e3);
    }
  }

  public void request(String endpoint, int status, Duration duration) {
    requests
        .labelValues(pipeline, layer, endpoint, Integer.toString(status))
        .observe(duration.toNanos() / 1e9);
  }

  /**
   * A gauge read at each scrape: {@code values} gives the value per value of {@code label} ({@code
   * view}, say).
   */
  public void gauge(String name, String help, String label, Supplier<Map<String, Double>> values) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames("pipeline", "layer", label)
        .callback(
            callback ->
                values.get().forEach((key, value) -> callback.call(value, pipeline, layer, key)))
        .register(registry);
  }

  /** Every metric now, in the Prometheus text format ({@link #CONTENT_TYPE}). */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}

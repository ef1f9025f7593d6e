package io.lambdaflow.speed;

import io.lambdaflow.http.HttpService;
import io.lambdaflow.http.MetricsEndpoint;
import io.lambdaflow.layer.Layer;
import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.metrics.PipelineMetrics;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import java.util.Map;
import java.util.Optional;

/**
 * The built-in layer {@code speed} ({@code lambda speed FILE}): the pipeline's streaming queries,
 * restarted from their checkpoints after a failure, until stopped.
 */
public final class SpeedLayerFactory implements LayerFactory {

  @Override
  public String name() {
    return "speed";
  }

  @Override
  public String description() {
    return "Structured Streaming until stopped: every sink and the speed views, checkpointed,"
        + " restarted after a failure, stopped after the current micro-batch";
  }

  private static final ConfigOption<Integer> METRICS_PORT =
      ConfigOption.optional(
          "metrics-port",
          OptionTypes.integer(),
          "Serve Prometheus metrics at /metrics on this port (metrics.speed-port); 0: a free one.");

  @Override
  public Options options() {
    return Options.of(METRICS_PORT);
  }

  @Override
  public Map<String, String> overrides(Map<String, String> flags) {
    return flags.containsKey(METRICS_PORT.key())
        ? Map.of("metrics.speed-port", flags.get(METRICS_PORT.key()))
        : Map.of();
  }

  @Override
  public Optional<ExecutionMode> mode() {
    return Optional.of(ExecutionMode.STREAMING);
  }

  @Override
  public boolean continuous() {
    return true;
  }

  @Override
  public Layer create(LayerContext context) {
    Pipeline pipeline = context.pipeline();
    return new Layer() {
      private SupervisedPipeline running;
      private HttpService metricsEndpoint;
      private boolean closed;

      @Override
      public synchronized void start() throws java.io.IOException {
        if (closed) {
          return; // stopped before it started
        }
        PipelineMetrics metrics = new PipelineMetrics(pipeline.name(), "speed");
        metricsEndpoint =
            MetricsEndpoint.start(
                    "lambda-speed-metrics",
                    pipeline.metrics().host(),
                    pipeline.metrics().speedPort(),
                    pipeline.contract().serving().token(),
                    pipeline.contract().serving().tlsKeystore(),
                    pipeline.contract().serving().tlsKeystorePassword(),
                    PipelineMetrics.CONTENT_TYPE,
                    metrics::scrape,
                    context.out())
                .orElse(null);
        running = new SpeedLayer(context.spark().get()).run(pipeline, metrics);
        context
            .out()
            .println(
                "speed layer of '"
                    + pipeline.name()
                    + "' running "
                    + running.current().queries().size()
                    + " queries; checkpoints under "
                    + pipeline.speed().checkpointRoot()
                    + "; Ctrl-C stops after the current micro-batch");
      }

      @Override
      public void await() throws Exception {
        SupervisedPipeline started;
        synchronized (this) {
          started = running;
        }
        if (started != null) {
          started.awaitTermination();
        }
        context.out().println("speed layer of '" + pipeline.name() + "' stopped");
      }

      /** Stops after the current micro-batch; while the layer starts, once it has started. */
      @Override
      public synchronized void close() {
        closed = true;
        if (running != null) {
          running.close();
        }
        if (metricsEndpoint != null) {
          metricsEndpoint.close();
        }
      }
    };
  }
}

package io.lambdaflow.batch.schedule;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.BatchLayerFactory;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.http.HttpService;
import io.lambdaflow.http.MetricsEndpoint;
import io.lambdaflow.layer.Layer;
import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.metrics.PipelineMetrics;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.ScheduleSettings;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The built-in layer {@code schedule} ({@code lambda schedule FILE}): the batch layer run whenever
 * {@code schedule.cron} fires, one run at a time, each run's summary printed, until stopped (Ctrl-C
 * while waiting stops at once; during a run, once it ends).
 */
public final class ScheduleLayerFactory implements LayerFactory {
  private static final ConfigOption<Boolean> ACCEPT_GAP = BatchLayerFactory.ACCEPT_GAP;

  @Override
  public String name() {
    return "schedule";
  }

  @Override
  public String description() {
    return "the batch layer on schedule.cron (a time zone, a policy for missed runs), never two"
        + " runs at once, until stopped";
  }

  private static final ConfigOption<Integer> METRICS_PORT =
      ConfigOption.optional(
          "metrics-port",
          OptionTypes.integer(),
          "Serve Prometheus metrics at /metrics on this port (metrics.schedule-port); 0: a free"
              + " one.");

  @Override
  public Options options() {
    return Options.of(ACCEPT_GAP, METRICS_PORT);
  }

  @Override
  public Map<String, String> overrides(Map<String, String> flags) {
    return flags.containsKey(METRICS_PORT.key())
        ? Map.of("metrics.schedule-port", flags.get(METRICS_PORT.key()))
        : Map.of();
  }

  @Override
  public Optional<ExecutionMode> mode() {
    return Optional.of(ExecutionMode.BATCH);
  }

  @Override
  public boolean continuous() {
    return true;
  }

  @Override
  public Layer create(LayerContext context) {
    return create(context, Clock.systemUTC(), Scheduler.realTime(Clock.systemUTC()));
  }

  /** The layer on {@code clock}, waiting with {@code waiter}. */
  Layer create(LayerContext context, Clock clock, Scheduler.Waiter waiter) {
    Pipeline pipeline = context.pipeline();
    ScheduleSettings settings = pipeline.schedule();
    if (settings.cron().isEmpty()) {
      throw new IllegalArgumentException(
          "pipeline '"
              + pipeline.name()
              + "' has no schedule; set schedule.cron, e.g. schedule { cron = \"0 2 * * *\","
              + " time-zone = UTC } for every day at 02:00");
    }
    BatchLayer.RunOptions options =
        new BatchLayer.RunOptions(false, context.options().get(ACCEPT_GAP));
    PipelineMetrics metrics = new PipelineMetrics(pipeline.name(), "schedule");
    Layer scheduled =
        create(
            settings,
            clock,
            waiter,
            fire -> {
              Instant started = clock.instant();
              RunSummary summary;
              try {
                summary = new BatchLayer(context.spark().get()).run(pipeline, options);
              } catch (RuntimeException e) {
                metrics.batchRun(false, Duration.between(started, clock.instant()));
                throw e;
              }
              count(summary, metrics);
              context.out().print(summary.render());
            });
    return new Layer() {
      private HttpService endpoint;

      @Override
      public void start() throws Exception {
        endpoint =
            MetricsEndpoint.start(
                    "lambda-schedule-metrics",
                    pipeline.metrics().host(),
                    pipeline.metrics().schedulePort(),
                    pipeline.contract().serving().token(),
                    pipeline.contract().serving().tlsKeystore(),
                    pipeline.contract().serving().tlsKeystorePassword(),
                    PipelineMetrics.CONTENT_TYPE,
                    metrics::scrape,
                    context.out())
                .orElse(null);
        scheduled.start();
      }

      @Override
      public void await() throws Exception {
        scheduled.await();
      }

      @Override
      public void close() {
        scheduled.close();
        if (endpoint != null) {
          endpoint.close();
        }
      }
    };
  }

  /** Adds one run's counts to the metrics. */
  private static void count(RunSummary summary, PipelineMetrics metrics) {
    metrics.batchRun(true, summary.duration());
    summary.recordsIn().forEach((source, n) -> metrics.recordsIn(source, Math.max(n, 0)));
    summary.recordsOut().forEach((sink, n) -> metrics.recordsOut(sink, Math.max(n, 0)));
    summary.deadLettersByStage().forEach(metrics::deadLetters);
    metrics.expectations(summary.expectations());
  }

  /** A layer running {@code job} on {@code settings}' schedule, on {@code clock}. */
  static Layer create(
      ScheduleSettings settings, Clock clock, Scheduler.Waiter waiter, Scheduler.Job job) {
    Scheduler scheduler = new Scheduler(settings, clock, waiter, job);
    return new Layer() {
      private Thread thread;
      private volatile Exception failure;

      @Override
      public synchronized void start() {
        thread =
            new Thread(
                () -> {
                  try {
                    scheduler.loop();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } catch (RuntimeException e) {
                    failure = e;
                  }
                },
                "lambda-schedule");
        thread.start();
      }

      @Override
      public void await() throws Exception {
        Thread running;
        synchronized (this) {
          running = thread;
        }
        if (running != null) {
          running.join();
        }
        if (failure != null) {
          throw failure;
        }
      }

      @Override
      public void close() {
        scheduler.stop();
        Thread running;
        synchronized (this) {
          running = thread;
        }
        if (running != null && running != Thread.currentThread()) {
          try {
            running.join();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    };
  }
}

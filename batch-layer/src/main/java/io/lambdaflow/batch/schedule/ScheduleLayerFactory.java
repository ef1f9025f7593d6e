package io.lambdaflow.batch.schedule;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.BatchLayerFactory;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.layer.Layer;
import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.ScheduleSettings;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.Options;
import java.time.Clock;
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

  @Override
  public Options options() {
    return Options.of(ACCEPT_GAP);
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
    return create(
        settings,
        clock,
        waiter,
        fire -> {
          RunSummary summary = new BatchLayer(context.spark().get()).run(pipeline, options);
          context.out().print(summary.render());
        });
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

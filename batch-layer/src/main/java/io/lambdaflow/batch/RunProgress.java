package io.lambdaflow.batch;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long batch run's progress as a plain log line every {@link #EVERY}: stages and tasks done so
 * far. On a terminal, Spark's own progress bar shows the same live (SparkSessions turns it on when
 * the output is a terminal); a run shorter than {@link #EVERY} logs nothing.
 */
final class RunProgress extends SparkListener implements AutoCloseable {
  static final Duration EVERY = Duration.ofSeconds(30);
  private static final Logger LOG = LoggerFactory.getLogger(RunProgress.class);

  private final SparkSession spark;
  private final Instant started = Instant.now();
  private final AtomicLong stagesDone = new AtomicLong();
  private final AtomicLong tasksSubmitted = new AtomicLong();
  private final AtomicLong tasksDone = new AtomicLong();
  private final ScheduledExecutorService timer;

  RunProgress(SparkSession spark, String run) {
    this(spark, run, EVERY, LOG::info);
  }

  /** Reports to {@code lines} every {@code every}. */
  RunProgress(SparkSession spark, String run, Duration every, Consumer<String> lines) {
    this.spark = spark;
    spark.sparkContext().addSparkListener(this);
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "batch-progress");
              thread.setDaemon(true);
              return thread;
            });
    timer.scheduleAtFixedRate(
        () ->
            lines.accept(
                String.format(
                    Locale.ROOT,
                    "batch run %s: %d s, %d stage(s) done, %d of %d task(s) done",
                    run,
                    Duration.between(started, Instant.now()).toSeconds(),
                    stagesDone.get(),
                    tasksDone.get(),
                    tasksSubmitted.get())),
        every.toMillis(),
        every.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted stage) {
    tasksSubmitted.addAndGet(stage.stageInfo().numTasks());
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted stage) {
    stagesDone.incrementAndGet();
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd task) {
    tasksDone.incrementAndGet();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    spark.sparkContext().removeSparkListener(this);
  }
}

package io.lambdaflow.speed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lambdaflow.pipeline.SpeedSettings;
import io.lambdaflow.testkit.TestSpark;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The speed.restart policy on real streaming queries whose micro-batches fail the way a sink does
 * during an outage: restarted with backoff while the failures stay within the attempts, given up
 * with the last failure after.
 */
class SupervisedPipelineTest {
  private static final AtomicInteger STARTS = new AtomicInteger();
  private static final AtomicInteger FAILURES_LEFT = new AtomicInteger();
  private static final AtomicInteger BATCHES_WRITTEN = new AtomicInteger();

  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = TestSpark.session();
  }

  /** Starts one query whose sink fails while {@link #FAILURES_LEFT} is above zero. */
  private static RunningPipeline flakySink() {
    STARTS.incrementAndGet();
    VoidFunction2<Dataset<Row>, Long> sink =
        (rows, id) -> {
          if (FAILURES_LEFT.getAndDecrement() > 0) {
            throw new IllegalStateException("sink unreachable (outage " + STARTS.get() + ")");
          }
          BATCHES_WRITTEN.incrementAndGet();
        };
    try {
      return new RunningPipeline(
          spark,
          "flaky",
          List.of(
              spark
                  .readStream()
                  .format("rate")
                  .option("rowsPerSecond", 5)
                  .load()
                  .writeStream()
                  .trigger(Trigger.ProcessingTime(200))
                  .foreachBatch(sink)
                  .start()),
          new StreamingQueryListener() {
            @Override
            public void onQueryStarted(QueryStartedEvent event) {}

            @Override
            public void onQueryProgress(QueryProgressEvent event) {}

            @Override
            public void onQueryTerminated(QueryTerminatedEvent event) {}
          });
    } catch (TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void failuresWithinTheAttemptsAreRestartedAndTheQueriesGoOn() {
    STARTS.set(0);
    FAILURES_LEFT.set(2);
    BATCHES_WRITTEN.set(0);
    SpeedSettings.Restart policy =
        new SpeedSettings.Restart(3, Duration.ofMillis(100), Duration.ofMillis(400));
    try (SupervisedPipeline running =
        new SupervisedPipeline("flaky", SupervisedPipelineTest::flakySink, policy)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> BATCHES_WRITTEN.get() >= 2);
      assertThat(STARTS.get()).as("started once, then again after each of 2 failures").isEqualTo(3);
      assertThat(running.isActive()).isTrue();
      assertThat(running.current().queries().get(0).isActive()).isTrue();
    }
  }

  @Test
  void moreFailuresInARowThanTheAttemptsEndWithTheLastFailure() {
    STARTS.set(0);
    FAILURES_LEFT.set(Integer.MAX_VALUE);
    SpeedSettings.Restart policy =
        new SpeedSettings.Restart(2, Duration.ofMillis(100), Duration.ofMillis(200));
    try (SupervisedPipeline running =
        new SupervisedPipeline("flaky", SupervisedPipelineTest::flakySink, policy)) {
      assertThatThrownBy(running::awaitTermination)
          .isInstanceOf(StreamingQueryException.class)
          .hasMessageContaining("sink unreachable (outage 3)");
      assertThat(STARTS.get()).as("the first start and 2 restarts").isEqualTo(3);
      assertThat(running.isActive()).isFalse();
    }
  }
}

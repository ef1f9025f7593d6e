package io.lambdaflow.speed;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.pipeline.Expectations;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.SpeedSettings;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A speed layer that starts its queries again when they fail, by the pipeline's {@code
 * speed.restart} policy: an outage of a source or sink (a broker down for minutes) is waited out
 * with growing pauses, and the queries resume from their checkpoints, losing and repeating nothing.
 * After {@code attempts} failures in a row it gives up with the last failure.
 *
 * <p>A daemon thread watches the queries, so restarts happen whether or not anyone waits in {@link
 * #awaitTermination()}.
 */
public final class SupervisedPipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SupervisedPipeline.class);
  private static final long POLL_MILLIS = 250;

  private final String pipeline;
  private final Supplier<RunningPipeline> starter;
  private final SpeedSettings.Restart policy;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch ended = new CountDownLatch(1);
  private final Object lock = new Object();
  private volatile RunningPipeline running;
  private volatile Exception failure;
  private volatile boolean closing;

  /**
   * Starts the queries once; a failure to start at all (bad configuration, a missing topic) is
   * thrown here, not retried.
   */
  SupervisedPipeline(
      String pipeline, Supplier<RunningPipeline> starter, SpeedSettings.Restart policy) {
    this.pipeline = requireNonNull(pipeline, "pipeline is null");
    this.starter = requireNonNull(starter, "starter is null");
    this.policy = requireNonNull(policy, "policy is null");
    this.running = starter.get();
    Thread supervisor = new Thread(this::supervise, "lambda-speed-supervisor-" + pipeline);
    supervisor.setDaemon(true);
    supervisor.start();
  }

  /** The queries running now (they change with each restart). */
  public RunningPipeline current() {
    return running;
  }

  /** Whether the speed layer still runs (or waits to restart). */
  public boolean isActive() {
    return ended.getCount() > 0;
  }

  /**
   * Waits until the queries end by themselves (an available-now trigger), by {@link #close()}, or
   * by failing more often in a row than the policy allows.
   *
   * @throws StreamingQueryException the last failure of a query, once the policy gives up
   * @throws PipelineRunException when the queries could not be started again
   */
  public void awaitTermination() throws StreamingQueryException {
    try {
      ended.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (failure instanceof StreamingQueryException query) {
      throw query;
    }
    if (failure instanceof RuntimeException runtime) {
      throw runtime;
    }
  }

  private void supervise() {
    try {
      int failures = 0;
      while (true) {
        Optional<StreamingQueryException> failed = awaitEnd(running);
        if (failed.isEmpty() || isStopped()) {
          return;
        }
        boolean progressed = madeProgress(running);
        running.close();
        Optional<String> expectation = Expectations.failure(failed.get());
        if (expectation.isPresent()) {
          // The data, not an outage: a restart would read the same record and fail again.
          LOG.error("speed layer of '{}' stops: {}", pipeline, expectation.get());
          failure = new PipelineRunException(expectation.get(), failed.get());
          return;
        }
        failures = progressed ? 1 : failures + 1;
        if (failures > policy.attempts()) {
          LOG.warn(
              "speed layer of '{}' failed {} time(s) in a row; giving up: {}",
              pipeline,
              failures,
              PipelineRunException.firstLine(failed.get()));
          failure = failed.get();
          return;
        }
        failures = restart(failures, failed.get());
        if (failures < 0) {
          return; // closed while waiting
        }
      }
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      ended.countDown();
    }
  }

  /**
   * Waits and starts again; returns the failures in the row, or -1 if closed meanwhile.
   *
   * @throws PipelineRunException when starting fails more often than the policy allows
   */
  private int restart(int failures, Exception cause) {
    while (true) {
      Duration wait = policy.wait(failures);
      LOG.warn(
          "speed layer of '{}' failed: {}; starting again in {} s (restart {} of {})",
          pipeline,
          PipelineRunException.firstLine(cause),
          wait.toMillis() / 1000.0,
          failures,
          policy.attempts());
      if (awaitStop(wait.toMillis())) {
        return -1;
      }
      try {
        RunningPipeline next = starter.get();
        synchronized (lock) {
          running = next;
          if (isStopped()) {
            next.close();
            return -1;
          }
        }
        LOG.info("speed layer of '{}' started again", pipeline);
        return failures;
      } catch (RuntimeException e) {
        failures++;
        if (failures > policy.attempts()) {
          throw new PipelineRunException(
              "speed layer of '"
                  + pipeline
                  + "' could not start again after "
                  + policy.attempts()
                  + " attempt(s): "
                  + PipelineRunException.firstLine(e),
              e);
        }
        cause = e;
      }
    }
  }

  /** Waits until every query has ended; the first failure, if any query failed. */
  private Optional<StreamingQueryException> awaitEnd(RunningPipeline queries) {
    while (true) {
      boolean allEnded = true;
      for (StreamingQuery query : queries.queries()) {
        if (query.isActive()) {
          allEnded = false;
        } else if (query.exception().isDefined()) {
          return Optional.of(query.exception().get());
        }
      }
      if (allEnded || awaitStop(POLL_MILLIS)) {
        return Optional.empty();
      }
    }
  }

  /** Waits up to the given time for {@link #close()}; true if closed (or interrupted). */
  private boolean awaitStop(long millis) {
    try {
      return stopped.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private boolean isStopped() {
    return closing;
  }

  private static boolean madeProgress(RunningPipeline queries) {
    return queries.queries().stream().anyMatch(q -> q.lastProgress() != null);
  }

  /**
   * Stops the queries after their current micro-batch; no restart follows. Returns once they have
   * stopped (and {@link #awaitTermination()} returns only then).
   */
  @Override
  public void close() {
    synchronized (lock) {
      closing = true;
    }
    running.close();
    stopped.countDown();
    try {
      ended.await(POLL_MILLIS * 8, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.ZoneId;

/**
 * The {@code schedule} section: when {@code lambda schedule FILE} runs the batch layer, and what
 * {@code lambda airflow FILE} writes into the DAG.
 *
 * @param cron a five-field Unix cron expression ({@code 0 2 * * *}: every day at 02:00), or a
 *     nickname ({@code @daily}); empty when the pipeline has no schedule
 * @param timeZone the zone the expression is read in
 * @param missed what to do when a fire time passed while a run was still going (or the scheduler
 *     was held up): skip it, or run once for all that were missed
 * @param retries how often Airflow retries a failed run
 * @param retryDelay how long Airflow waits before a retry
 */
public record ScheduleSettings(
    String cron, ZoneId timeZone, Missed missed, int retries, Duration retryDelay) {

  public ScheduleSettings {
    requireNonNull(cron, "cron is null");
    requireNonNull(timeZone, "timeZone is null");
    requireNonNull(missed, "missed is null");
    requireNonNull(retryDelay, "retryDelay is null");
  }

  /** What a late scheduler does with fire times that passed. */
  public enum Missed {
    /** Run at the next fire time only. */
    SKIP,
    /** Run once at once for all the fire times that passed, then keep to the schedule. */
    RUN_ONCE
  }
}

package io.lambdaflow.batch.schedule;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.pipeline.Cron;
import io.lambdaflow.pipeline.ScheduleSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires a job whenever a cron expression does, one run at a time, in the calling thread: {@link
 * #loop()} waits for the next fire time, runs the job, and repeats until {@link #stop()}. A fire
 * time that passes while a run is still going is handled by the {@link ScheduleSettings.Missed}
 * policy: skipped, or made up for with one run at once. A failed run is logged and the schedule
 * goes on. Time comes from a {@link Clock} and waiting from a {@link Waiter}, so tests drive it
 * with a fixed clock.
 */
public final class Scheduler {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

  /** Waits for an instant of the scheduler's clock. */
  public interface Waiter {
    /**
     * Returns once the clock reached {@code time} (true) or the scheduler was stopped (false).
     *
     * @param stopped counted down by {@link #stop()}
     */
    boolean waitUntil(Instant time, CountDownLatch stopped) throws InterruptedException;
  }

  /** A job the scheduler runs. */
  public interface Job {
    /**
     * Runs once.
     *
     * @param fireTime the fire time this run is for
     */
    void run(ZonedDateTime fireTime) throws Exception;
  }

  private final Cron cron;
  private final ScheduleSettings settings;
  private final Clock clock;
  private final Waiter waiter;
  private final Job job;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile Instant nextFire;
  private volatile long runs;
  private volatile long failures;

  public Scheduler(ScheduleSettings settings, Clock clock, Waiter waiter, Job job) {
    this.settings = requireNonNull(settings, "settings is null");
    this.cron = Cron.parse(settings.cron());
    this.clock = requireNonNull(clock, "clock is null");
    this.waiter = requireNonNull(waiter, "waiter is null");
    this.job = requireNonNull(job, "job is null");
  }

  /**
   * Waits on {@code clock} in real time: the stop latch with a timeout, checked again on return.
   */
  public static Waiter realTime(Clock clock) {
    return (time, stopped) -> {
      while (true) {
        long millis = Duration.between(clock.instant(), time).toMillis();
        if (millis <= 0) {
          return true;
        }
        if (stopped.await(Math.min(millis, 60_000), TimeUnit.MILLISECONDS)) {
          return false;
        }
      }
    };
  }

  /** Runs the schedule until {@link #stop()}. */
  public void loop() throws InterruptedException {
    ZonedDateTime fire = next(now());
    while (stopped.getCount() > 0) {
      nextFire = fire.toInstant();
      LOG.info("schedule '{}' ({}): next batch run at {}", cron, settings.timeZone(), fire);
      if (!waiter.waitUntil(fire.toInstant(), stopped)) {
        break;
      }
      runOnce(fire);
      ZonedDateTime after = now();
      long missed = firesBetween(fire, after);
      if (missed > 0 && settings.missed() == ScheduleSettings.Missed.RUN_ONCE) {
        LOG.info(
            "{} fire time(s) passed during the run at {}; running once now for them"
                + " (schedule.missed = run-once)",
            missed,
            fire);
        fire = after;
      } else {
        if (missed > 0) {
          LOG.warn(
              "{} fire time(s) passed during the run at {} and are skipped (schedule.missed ="
                  + " skip)",
              missed,
              fire);
        }
        fire = next(after);
      }
    }
    LOG.info("schedule stopped after {} run(s), {} failed", runs, failures);
  }

  private void runOnce(ZonedDateTime fire) throws InterruptedException {
    runs++;
    Instant started = clock.instant();
    try {
      job.run(fire);
      LOG.info(
          "batch run for {} done in {} s",
          fire,
          Duration.between(started, clock.instant()).toMillis() / 1000.0);
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      failures++;
      LOG.error(
          "batch run for {} failed: {}; the schedule goes on",
          fire,
          e.getMessage() != null ? e.getMessage() : e.toString());
    }
  }

  /** Fire times strictly after {@code from} and not after {@code to}. */
  private long firesBetween(ZonedDateTime from, ZonedDateTime to) {
    long count = 0;
    Optional<ZonedDateTime> next = cron.next(from);
    while (next.isPresent() && !next.get().isAfter(to) && count < 10_000) {
      count++;
      next = cron.next(next.get());
    }
    return count;
  }

  private ZonedDateTime next(ZonedDateTime time) {
    return cron.next(time)
        .orElseThrow(() -> new IllegalStateException("'" + cron + "' never fires after " + time));
  }

  private ZonedDateTime now() {
    return ZonedDateTime.ofInstant(clock.instant(), settings.timeZone());
  }

  /** The fire time the scheduler waits for, once it started waiting. */
  public Optional<Instant> nextFire() {
    return Optional.ofNullable(nextFire);
  }

  /** Runs so far, failed ones included. */
  public long runs() {
    return runs;
  }

  /** Stops the loop: at once while it waits, after the current run otherwise. */
  public void stop() {
    stopped.countDown();
  }
}

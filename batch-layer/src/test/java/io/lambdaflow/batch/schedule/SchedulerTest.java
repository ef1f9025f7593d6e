package io.lambdaflow.batch.schedule;

import static io.lambdaflow.testkit.TestPipelines.batch;
import static io.lambdaflow.testkit.TestPipelines.quoted;
import static io.lambdaflow.testkit.TestPipelines.writeLines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lambdaflow.layer.Layer;
import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.ScheduleSettings;
import io.lambdaflow.pipeline.ScheduleSettings.Missed;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.testkit.ScrapedMetrics;
import io.lambdaflow.testkit.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The schedule on a fixed clock that jumps to each fire time: no waiting for a real minute. */
class SchedulerTest {
  private static final ZoneId LONDON = ZoneId.of("Europe/London");

  @TempDir Path dir;

  /** A clock the test sets; the waiter moves it to the instant waited for. */
  static final class FixedClock extends Clock {
    private volatile Instant now;

    FixedClock(Instant now) {
      this.now = now;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    /** Jumps to the time waited for, or stops the schedule after {@code fires} waits. */
    Scheduler.Waiter waiter(int fires) {
      int[] waits = {0};
      return (time, stopped) -> {
        if (waits[0]++ >= fires) {
          return false;
        }
        if (time.isAfter(now)) {
          now = time;
        }
        return true;
      };
    }
  }

  private static ScheduleSettings daily(Missed missed) {
    return new ScheduleSettings("0 2 * * *", LONDON, missed, 2, Duration.ofMinutes(5));
  }

  private static ZonedDateTime london(String local) {
    return java.time.LocalDateTime.parse(local).atZone(LONDON);
  }

  @Test
  void firesAtEveryCronTimeInItsZone() throws Exception {
    // London moves to summer time on 2027-03-28 at 01:00 UTC: 02:00 local is 01:00 UTC from then.
    FixedClock clock = new FixedClock(Instant.parse("2027-03-26T12:00:00Z"));
    List<ZonedDateTime> fired = new ArrayList<>();
    List<Instant> at = new ArrayList<>();
    Scheduler scheduler =
        new Scheduler(
            daily(Missed.SKIP),
            clock,
            clock.waiter(3),
            fire -> {
              fired.add(fire);
              at.add(clock.instant());
            });
    scheduler.loop();
    assertThat(fired)
        .containsExactly(
            london("2027-03-27T02:00"), london("2027-03-28T02:00"), london("2027-03-29T02:00"));
    assertThat(at)
        .containsExactly(
            Instant.parse("2027-03-27T02:00:00Z"),
            Instant.parse("2027-03-28T01:00:00Z"),
            Instant.parse("2027-03-29T01:00:00Z"));
    assertThat(scheduler.runs()).isEqualTo(3);
  }

  @Test
  void aRunLongerThanADaySkipsTheFireTimesItMissedOrMakesUpForThemOnce() throws Exception {
    for (Missed missed : Missed.values()) {
      FixedClock clock = new FixedClock(Instant.parse("2026-12-03T01:00:00Z"));
      List<Instant> started = new ArrayList<>();
      Scheduler scheduler =
          new Scheduler(
              daily(missed),
              clock,
              clock.waiter(3),
              fire -> {
                started.add(clock.instant());
                if (started.size() == 1) {
                  clock.advance(Duration.ofHours(50)); // to 12-05 04:00, past two fire times
                }
              });
      scheduler.loop();
      if (missed == Missed.SKIP) {
        assertThat(started)
            .containsExactly(
                Instant.parse("2026-12-03T02:00:00Z"),
                Instant.parse("2026-12-06T02:00:00Z"),
                Instant.parse("2026-12-07T02:00:00Z"));
      } else {
        assertThat(started)
            .containsExactly(
                Instant.parse("2026-12-03T02:00:00Z"),
                Instant.parse("2026-12-05T04:00:00Z"),
                Instant.parse("2026-12-06T02:00:00Z"));
      }
    }
  }

  @Test
  void aFailedRunDoesNotStopTheSchedule() throws Exception {
    FixedClock clock = new FixedClock(Instant.parse("2026-12-03T01:00:00Z"));
    List<ZonedDateTime> fired = new ArrayList<>();
    Scheduler scheduler =
        new Scheduler(
            daily(Missed.SKIP),
            clock,
            clock.waiter(2),
            fire -> {
              fired.add(fire);
              if (fired.size() == 1) {
                throw new IllegalStateException("the broker is down");
              }
            });
    scheduler.loop();
    assertThat(fired).containsExactly(london("2026-12-03T02:00"), london("2026-12-04T02:00"));
  }

  @Test
  void stoppingWhileItWaitsEndsTheLayerAtOnce() throws Exception {
    List<ZonedDateTime> fired = new CopyOnWriteArrayList<>();
    Scheduler.Waiter realTime = Scheduler.realTime(Clock.systemUTC());
    Layer layer =
        ScheduleLayerFactory.create(
            new ScheduleSettings("@yearly", ZoneOffset.UTC, Missed.SKIP, 0, Duration.ZERO),
            Clock.systemUTC(),
            realTime,
            fired::add);
    layer.start();
    Thread.State[] state = new Thread.State[1];
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("lambda-schedule"))
                    .anyMatch(t -> (state[0] = t.getState()) == Thread.State.TIMED_WAITING));
    long before = System.nanoTime();
    layer.close();
    layer.await();
    assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(5));
    assertThat(fired).isEmpty();
  }

  @Test
  void theScheduleLayerRunsTheBatchLayerAtTheFireTime() throws Exception {
    Path input = writeLines(dir.resolve("in/events.txt"), List.of("a", "b", "c"));
    Pipeline pipeline =
        batch(
            "name = scheduled\nlayers = [batch]\nstorage-root = "
                + quoted(dir.resolve("root"))
                + "\nsources { events { type = files, format = text, path = "
                + quoted(input.getParent())
                + " } }\nsinks { out { type = files, format = json, path = "
                + quoted(dir.resolve("out"))
                + " } }\nschedule { cron = \"*/15 * * * *\", time-zone = UTC }\n"
                + "metrics.schedule-port = 0\n");
    FixedClock clock = new FixedClock(Instant.parse("2026-12-03T10:07:00Z"));
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    ScheduleLayerFactory factory = new ScheduleLayerFactory();
    Layer layer =
        factory.create(
            new LayerContext(
                pipeline,
                new PluginConfig("schedule", factory.options(), Map.of()),
                TestSpark::session,
                new PrintStream(printed, true, StandardCharsets.UTF_8)),
            clock,
            clock.waiter(1));
    layer.start();
    layer.await();
    assertThat(clock.instant()).isEqualTo(Instant.parse("2026-12-03T10:15:00Z"));
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("records in               3  (events: 3)")
        .contains("records out              3  (out: 3)");
    assertThat(TestSpark.session().read().json(dir.resolve("out").toString()).count()).isEqualTo(3);

    java.util.regex.Matcher url =
        java.util.regex.Pattern.compile("Prometheus metrics at (\\S+)")
            .matcher(printed.toString(StandardCharsets.UTF_8));
    assertThat(url.find()).isTrue();
    ScrapedMetrics metrics = ScrapedMetrics.scrape(url.group(1));
    layer.close();
    assertThat(metrics.samples("lambdaflow_records_in_total"))
        .isEqualTo(Map.of(Map.of("source", "events"), 3.0));
    assertThat(metrics.samples("lambdaflow_records_out_total"))
        .isEqualTo(Map.of(Map.of("sink", "out"), 3.0));
    assertThat(metrics.samples("lambdaflow_batch_runs_total"))
        .isEqualTo(Map.of(Map.of("outcome", "ok"), 1.0));
    assertThat(metrics.value("lambdaflow_batch_last_success_timestamp_seconds"))
        .hasValueSatisfying(t -> assertThat(t).isPositive());
  }
}

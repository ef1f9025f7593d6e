package io.lambdaflow.pipeline;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A five-field Unix cron expression (minute, hour, day of month, month, day of week), the syntax
 * crontab and Airflow read, or one of the nicknames {@code @hourly}, {@code @daily} ({@code
 * @midnight}), {@code @weekly}, {@code @monthly}, {@code @yearly} ({@code @annually}). Parsed by
 * cron-utils.
 */
public final class Cron {
  private static final CronParser PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final Map<String, String> NICKNAMES =
      Map.of(
          "@hourly", "0 * * * *",
          "@daily", "0 0 * * *",
          "@midnight", "0 0 * * *",
          "@weekly", "0 0 * * 0",
          "@monthly", "0 0 1 * *",
          "@yearly", "0 0 1 1 *",
          "@annually", "0 0 1 1 *");

  private final String text;
  private final ExecutionTime times;

  private Cron(String text, ExecutionTime times) {
    this.text = text;
    this.times = times;
  }

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming what is wrong and the expected form
   */
  public static Cron parse(String text) {
    String trimmed = text.trim();
    String expression = NICKNAMES.getOrDefault(trimmed.toLowerCase(Locale.ROOT), trimmed);
    try {
      com.cronutils.model.Cron cron = PARSER.parse(expression);
      cron.validate();
      return new Cron(trimmed, ExecutionTime.forCron(cron));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'"
              + trimmed
              + "' is not a cron expression: "
              + e.getMessage()
              + "; expected five fields, minute hour day-of-month month day-of-week (\"0 2 * * *\""
              + " every day at 02:00), or @hourly, @daily, @weekly, @monthly, @yearly");
    }
  }

  /** The first fire time strictly after {@code time}, in its zone. */
  public Optional<ZonedDateTime> next(ZonedDateTime time) {
    return times.nextExecution(time);
  }

  /** The last fire time strictly before {@code time}, in its zone. */
  public Optional<ZonedDateTime> previous(ZonedDateTime time) {
    return times.lastExecution(time);
  }

  @Override
  public String toString() {
    return text;
  }
}

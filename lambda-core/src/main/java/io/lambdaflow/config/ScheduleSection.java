package io.lambdaflow.config;

import static io.lambdaflow.config.ConfigObjects.location;
import static io.lambdaflow.config.ConfigObjects.section;

import com.typesafe.config.ConfigObject;
import io.lambdaflow.pipeline.Cron;
import io.lambdaflow.pipeline.ScheduleSettings;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** The {@code schedule} section, its cron expression parsed and its time zone checked. */
final class ScheduleSection {
  private static final ConfigOption<String> CRON =
      ConfigOption.required("cron", OptionTypes.string(), "When batch runs fire.");
  private static final ConfigOption<String> ZONE =
      ConfigOption.required("time-zone", OptionTypes.string(), "The zone cron is read in.");
  private static final ConfigOption<String> MISSED =
      ConfigOption.required(
          "missed", OptionTypes.oneOf("skip", "run-once"), "What a late scheduler does.");
  private static final ConfigOption<Integer> RETRIES =
      ConfigOption.required("retries", OptionTypes.integer(), "Airflow's retries of a run.");
  private static final ConfigOption<Duration> RETRY_DELAY =
      ConfigOption.required("retry-delay", OptionTypes.duration(), "Airflow's wait before one.");
  private static final Options OPTIONS = Options.of(CRON, ZONE, MISSED, RETRIES, RETRY_DELAY);

  private ScheduleSection() {}

  static Optional<ScheduleSettings> bind(ConfigObject root, List<Problem> problems) {
    Optional<ConfigObject> section = section(root, "schedule", "schedule", problems);
    Optional<PluginConfig> config =
        section.flatMap(
            o ->
                OptionBinder.bind(
                    "schedule",
                    "the schedule section",
                    OPTIONS,
                    o,
                    "schedule",
                    Set.of(),
                    problems));
    if (config.isEmpty()) {
      return Optional.empty();
    }
    PluginConfig c = config.get();
    int before = problems.size();
    String cron = c.get(CRON).trim();
    if (!cron.isEmpty()) {
      try {
        Cron.parse(cron);
      } catch (IllegalArgumentException e) {
        problems.add(new Problem(location(section.get(), "cron"), "schedule.cron", e.getMessage()));
      }
    }
    ZoneId zone = ZoneId.of("UTC");
    try {
      zone = ZoneId.of(c.get(ZONE));
    } catch (DateTimeException e) {
      problems.add(
          new Problem(
              location(section.get(), "time-zone"),
              "schedule.time-zone",
              "expected a time zone such as UTC or Europe/London, got '" + c.get(ZONE) + "'"));
    }
    if (c.get(RETRIES) < 0) {
      problems.add(
          new Problem(
              location(section.get(), "retries"),
              "schedule.retries",
              "expected 0 or more, got " + c.get(RETRIES)));
    }
    if (problems.size() > before) {
      return Optional.empty();
    }
    return Optional.of(
        new ScheduleSettings(
            cron,
            zone,
            ScheduleSettings.Missed.valueOf(
                c.get(MISSED).toUpperCase(Locale.ROOT).replace('-', '_')),
            c.get(RETRIES),
            c.get(RETRY_DELAY)));
  }
}

package io.lambdaflow.config;

import static io.lambdaflow.config.ConfigObjects.location;
import static io.lambdaflow.config.ConfigObjects.section;

import com.typesafe.config.ConfigObject;
import io.lambdaflow.pipeline.EmbeddedKafkaSettings;
import io.lambdaflow.pipeline.EmbeddedPostgresSettings;
import io.lambdaflow.pipeline.EmbeddedS3Settings;
import io.lambdaflow.pipeline.MetricsSettings;
import io.lambdaflow.pipeline.SparkSettings;
import io.lambdaflow.pipeline.SpeedSettings;
import io.lambdaflow.pipeline.Triggers;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code spark}, {@code speed}, {@code embedded-*} and {@code metrics} sections, and speed
 * triggers: bound like a plugin's options. Their defaults live only in {@code reference.conf},
 * which every pipeline file is read over; each returns empty after adding a problem for what is
 * wrong.
 */
final class FrameworkSections {
  private static final ConfigOption<String> SPARK_MASTER =
      ConfigOption.required("master", OptionTypes.string(), "The Spark master.");
  private static final ConfigOption<Map<String, String>> SPARK_CONF =
      ConfigOption.required("conf", OptionTypes.stringMap(), "Spark properties.");
  private static final Options SPARK_OPTIONS = Options.of(SPARK_MASTER, SPARK_CONF);

  private static final ConfigOption<String> SPEED_TRIGGER =
      ConfigOption.required("trigger", OptionTypes.string(), "How often queries run.");
  private static final ConfigOption<String> SPEED_CHECKPOINTS =
      ConfigOption.required("checkpoint-root", OptionTypes.string(), "Where checkpoints live.");
  private static final ConfigOption<java.time.Duration> SPEED_DIMENSION_REFRESH =
      ConfigOption.required(
          "dimension-refresh",
          OptionTypes.duration(),
          "How often a dimension source is read again.");
  private static final ConfigOption<Integer> SPEED_DRIVER_WRITE_LIMIT =
      ConfigOption.required(
          "driver-write-limit",
          OptionTypes.integer(),
          "Micro-batches of at most this many records have their views written by the driver.");
  private static final Options SPEED_OPTIONS =
      Options.of(
          SPEED_TRIGGER, SPEED_CHECKPOINTS, SPEED_DIMENSION_REFRESH, SPEED_DRIVER_WRITE_LIMIT);

  private static final ConfigOption<Integer> RESTART_ATTEMPTS =
      ConfigOption.required(
          "attempts", OptionTypes.integer(), "Restarts in a row before giving up.");
  private static final ConfigOption<java.time.Duration> RESTART_BACKOFF =
      ConfigOption.required(
          "backoff", OptionTypes.duration(), "The wait before the first restart.");
  private static final ConfigOption<java.time.Duration> RESTART_MAX_BACKOFF =
      ConfigOption.required("max-backoff", OptionTypes.duration(), "The longest wait.");
  private static final Options RESTART_OPTIONS =
      Options.of(RESTART_ATTEMPTS, RESTART_BACKOFF, RESTART_MAX_BACKOFF);

  private static final ConfigOption<Boolean> KAFKA_ENABLED =
      ConfigOption.required("enabled", OptionTypes.bool(), "Start a broker before the run.");
  private static final ConfigOption<Integer> KAFKA_PORT =
      ConfigOption.required("port", OptionTypes.integer(), "Its port on 127.0.0.1.");
  private static final ConfigOption<List<String>> KAFKA_TOPICS =
      ConfigOption.required("topics", OptionTypes.stringList(), "Topics to create.");
  private static final ConfigOption<Integer> KAFKA_PARTITIONS =
      ConfigOption.required("partitions", OptionTypes.integer(), "Partitions per created topic.");
  private static final Options EMBEDDED_KAFKA =
      Options.of(KAFKA_ENABLED, KAFKA_PORT, KAFKA_TOPICS, KAFKA_PARTITIONS);

  private static final ConfigOption<Boolean> POSTGRES_ENABLED =
      ConfigOption.required("enabled", OptionTypes.bool(), "Start PostgreSQL before the run.");
  private static final ConfigOption<Integer> POSTGRES_PORT =
      ConfigOption.required("port", OptionTypes.integer(), "Its port on 127.0.0.1.");
  private static final ConfigOption<List<String>> POSTGRES_DATABASES =
      ConfigOption.required("databases", OptionTypes.stringList(), "Databases to create.");
  private static final Options EMBEDDED_POSTGRES =
      Options.of(POSTGRES_ENABLED, POSTGRES_PORT, POSTGRES_DATABASES);

  private static final ConfigOption<Boolean> S3_ENABLED =
      ConfigOption.required("enabled", OptionTypes.bool(), "Start an S3 server before the run.");
  private static final ConfigOption<Integer> S3_PORT =
      ConfigOption.required("port", OptionTypes.integer(), "Its port on 127.0.0.1.");
  private static final ConfigOption<List<String>> S3_BUCKETS =
      ConfigOption.required("buckets", OptionTypes.stringList(), "Buckets to create.");
  private static final ConfigOption<String> S3_ACCESS_KEY =
      ConfigOption.required("access-key", OptionTypes.string(), "The access key it accepts.");
  private static final ConfigOption<String> S3_SECRET_KEY =
      ConfigOption.required("secret-key", OptionTypes.string(), "The secret key it accepts.")
          .secret();
  private static final Options EMBEDDED_S3 =
      Options.of(S3_ENABLED, S3_PORT, S3_BUCKETS, S3_ACCESS_KEY, S3_SECRET_KEY);

  private static final ConfigOption<String> METRICS_HOST =
      ConfigOption.required("host", OptionTypes.string(), "The address to bind.");
  private static final ConfigOption<Integer> METRICS_SPEED_PORT =
      ConfigOption.required(
          "speed-port", OptionTypes.integer(), "The speed layer's port; 0 any, -1 none.");
  private static final ConfigOption<Integer> METRICS_SCHEDULE_PORT =
      ConfigOption.required(
          "schedule-port", OptionTypes.integer(), "lambda schedule's port; 0 any, -1 none.");
  private static final Options METRICS =
      Options.of(METRICS_HOST, METRICS_SPEED_PORT, METRICS_SCHEDULE_PORT);

  private FrameworkSections() {}

  static Optional<MetricsSettings> metrics(ConfigObject root, List<Problem> problems) {
    Optional<ConfigObject> section = section(root, "metrics", "metrics", problems);
    return section
        .flatMap(
            o ->
                OptionBinder.bind(
                    "metrics", "the metrics section", METRICS, o, "metrics", Set.of(), problems))
        .flatMap(
            config -> {
              boolean ok = true;
              for (ConfigOption<Integer> port :
                  List.of(METRICS_SPEED_PORT, METRICS_SCHEDULE_PORT)) {
                int value = config.get(port);
                if (value < -1 || value > 65_535) {
                  problems.add(
                      new Problem(
                          location(section.get(), port.key()),
                          "metrics." + port.key(),
                          "expected a port from 0 to 65535, or -1 for none, got " + value));
                  ok = false;
                }
              }
              return ok
                  ? Optional.of(
                      new MetricsSettings(
                          config.get(METRICS_HOST),
                          config.get(METRICS_SPEED_PORT),
                          config.get(METRICS_SCHEDULE_PORT)))
                  : Optional.empty();
            });
  }

  static Optional<EmbeddedS3Settings> embeddedS3(ConfigObject root, List<Problem> problems) {
    return section(root, "embedded-s3", "embedded-s3", problems)
        .flatMap(
            o ->
                OptionBinder.bind(
                    "embedded-s3",
                    "the embedded-s3 section",
                    EMBEDDED_S3,
                    o,
                    "embedded-s3",
                    Set.of(),
                    problems))
        .map(
            config ->
                new EmbeddedS3Settings(
                    config.get(S3_ENABLED),
                    config.get(S3_PORT),
                    config.get(S3_BUCKETS),
                    config.get(S3_ACCESS_KEY),
                    config.get(S3_SECRET_KEY)));
  }

  static Optional<SparkSettings> spark(ConfigObject root, List<Problem> problems) {
    return section(root, "spark", "spark", problems)
        .flatMap(
            o ->
                OptionBinder.bind(
                    "spark", "the spark section", SPARK_OPTIONS, o, "spark", Set.of(), problems))
        .map(c -> new SparkSettings(c.get(SPARK_MASTER), c.get(SPARK_CONF)));
  }

  static Optional<SpeedSettings> speed(ConfigObject root, List<Problem> problems) {
    Optional<ConfigObject> speed = section(root, "speed", "speed", problems);
    Optional<PluginConfig> settings =
        speed.flatMap(
            o ->
                OptionBinder.bind(
                    "speed",
                    "the speed section",
                    SPEED_OPTIONS,
                    o,
                    "speed",
                    Set.of("restart"),
                    problems));
    settings.ifPresent(
        c ->
            checkTrigger(
                c.get(SPEED_TRIGGER), location(speed.get(), "trigger"), "speed.trigger", problems));
    if (settings.isPresent() && settings.get().get(SPEED_DRIVER_WRITE_LIMIT) < 0) {
      problems.add(
          new Problem(
              location(speed.get(), "driver-write-limit"),
              "speed.driver-write-limit",
              "expected 0 or more records, got " + settings.get().get(SPEED_DRIVER_WRITE_LIMIT)));
      return Optional.empty();
    }
    Optional<SpeedSettings.Restart> restart =
        speed
            .flatMap(s -> section(s, "restart", "speed.restart", problems))
            .flatMap(
                r ->
                    OptionBinder.bind(
                        "restart",
                        "the speed.restart section",
                        RESTART_OPTIONS,
                        r,
                        "speed.restart",
                        Set.of(),
                        problems))
            .map(
                c ->
                    new SpeedSettings.Restart(
                        c.get(RESTART_ATTEMPTS),
                        c.get(RESTART_BACKOFF),
                        c.get(RESTART_MAX_BACKOFF)));
    if (settings.isEmpty() || restart.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new SpeedSettings(
            settings.get().get(SPEED_TRIGGER),
            settings.get().get(SPEED_CHECKPOINTS),
            restart.get(),
            settings.get().get(SPEED_DIMENSION_REFRESH),
            settings.get().get(SPEED_DRIVER_WRITE_LIMIT)));
  }

  static Optional<EmbeddedKafkaSettings> embeddedKafka(ConfigObject root, List<Problem> problems) {
    return section(root, "embedded-kafka", "embedded-kafka", problems)
        .flatMap(
            o ->
                OptionBinder.bind(
                    "embedded-kafka",
                    "the embedded-kafka section",
                    EMBEDDED_KAFKA,
                    o,
                    "embedded-kafka",
                    Set.of(),
                    problems))
        .map(
            config ->
                new EmbeddedKafkaSettings(
                    config.get(KAFKA_ENABLED),
                    config.get(KAFKA_PORT),
                    config.get(KAFKA_TOPICS),
                    config.get(KAFKA_PARTITIONS)));
  }

  static Optional<EmbeddedPostgresSettings> embeddedPostgres(
      ConfigObject root, List<Problem> problems) {
    return section(root, "embedded-postgres", "embedded-postgres", problems)
        .flatMap(
            o ->
                OptionBinder.bind(
                    "embedded-postgres",
                    "the embedded-postgres section",
                    EMBEDDED_POSTGRES,
                    o,
                    "embedded-postgres",
                    Set.of(),
                    problems))
        .map(
            config ->
                new EmbeddedPostgresSettings(
                    config.get(POSTGRES_ENABLED),
                    config.get(POSTGRES_PORT),
                    config.get(POSTGRES_DATABASES)));
  }

  static void checkTrigger(String trigger, String location, String path, List<Problem> problems) {
    try {
      Triggers.parse(trigger);
    } catch (IllegalArgumentException e) {
      problems.add(new Problem(location, path, e.getMessage()));
    }
  }
}

package io.lambdaflow.config;

import static io.lambdaflow.config.ConfigObjects.location;
import static io.lambdaflow.config.ConfigObjects.object;
import static io.lambdaflow.config.ConfigObjects.optionalString;
import static io.lambdaflow.config.ConfigObjects.unknownKey;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import io.lambdaflow.pipeline.EmbeddedKafkaSettings;
import io.lambdaflow.pipeline.SparkSettings;
import io.lambdaflow.pipeline.SpeedSettings;
import io.lambdaflow.pipeline.Triggers;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The {@code spark}, {@code speed} and {@code embedded-kafka} sections, and speed triggers. */
final class FrameworkSections {
  private static final ConfigOption<Boolean> KAFKA_ENABLED =
      ConfigOption.optional("enabled", OptionTypes.bool(), false, "Start a broker before the run.");
  private static final ConfigOption<Integer> KAFKA_PORT =
      ConfigOption.optional("port", OptionTypes.integer(), 9092, "Its port on 127.0.0.1.");
  private static final ConfigOption<List<String>> KAFKA_TOPICS =
      ConfigOption.optional("topics", OptionTypes.stringList(), List.of(), "Topics to create.");
  private static final ConfigOption<Integer> KAFKA_PARTITIONS =
      ConfigOption.optional(
          "partitions", OptionTypes.integer(), 1, "Partitions per created topic.");
  private static final Options EMBEDDED_KAFKA =
      Options.of(KAFKA_ENABLED, KAFKA_PORT, KAFKA_TOPICS, KAFKA_PARTITIONS);
  private static final Set<String> SPEED_KEYS = Set.of("trigger", "checkpoint-root", "restart");
  private static final ConfigOption<Integer> RESTART_ATTEMPTS =
      ConfigOption.optional(
          "attempts", OptionTypes.integer(), 10, "Restarts in a row before giving up.");
  private static final ConfigOption<java.time.Duration> RESTART_BACKOFF =
      ConfigOption.optional(
          "backoff",
          OptionTypes.duration(),
          java.time.Duration.ofSeconds(5),
          "The wait before the first restart.");
  private static final ConfigOption<java.time.Duration> RESTART_MAX_BACKOFF =
      ConfigOption.optional(
          "max-backoff",
          OptionTypes.duration(),
          java.time.Duration.ofMinutes(1),
          "The longest wait.");
  private static final Options RESTART_OPTIONS =
      Options.of(RESTART_ATTEMPTS, RESTART_BACKOFF, RESTART_MAX_BACKOFF);
  private static final Set<String> SPARK_KEYS = Set.of("master", "conf");

  private FrameworkSections() {}

  static SparkSettings spark(ConfigObject root, List<Problem> problems) {
    Optional<ConfigObject> spark = object(root, "spark", "spark", problems);
    String master = "local[*]";
    Map<String, String> conf = new HashMap<>();
    if (spark.isPresent()) {
      for (Map.Entry<String, ConfigValue> entry : spark.get().entrySet()) {
        if (!SPARK_KEYS.contains(entry.getKey())) {
          problems.add(
              unknownKey(
                  entry.getValue(),
                  entry.getKey(),
                  "spark." + entry.getKey(),
                  "the spark section",
                  SPARK_KEYS));
        }
      }
      master = optionalString(spark.get(), "master", "spark.master", problems).orElse(master);
      ConfigValue confValue = spark.get().get("conf");
      if (confValue != null) {
        try {
          conf.putAll(OptionTypes.stringMap().convert(confValue.unwrapped()));
        } catch (IllegalArgumentException e) {
          problems.add(
              new Problem(
                  Origins.describe(confValue.origin()),
                  "spark.conf",
                  "expected an object of Spark properties, " + e.getMessage()));
        }
      }
    }
    return new SparkSettings(master, conf);
  }

  static SpeedSettings speed(ConfigObject root, String storageRoot, List<Problem> problems) {
    Optional<ConfigObject> speed = object(root, "speed", "speed", problems);
    String trigger = "5 seconds";
    String checkpointRoot = storageRoot + "/checkpoints";
    if (speed.isPresent()) {
      for (Map.Entry<String, ConfigValue> entry : speed.get().entrySet()) {
        if (!SPEED_KEYS.contains(entry.getKey())) {
          problems.add(
              unknownKey(
                  entry.getValue(),
                  entry.getKey(),
                  "speed." + entry.getKey(),
                  "the speed section",
                  SPEED_KEYS));
        }
      }
      trigger = optionalString(speed.get(), "trigger", "speed.trigger", problems).orElse(trigger);
      checkTrigger(trigger, location(speed.get(), "trigger"), "speed.trigger", problems);
      checkpointRoot =
          optionalString(speed.get(), "checkpoint-root", "speed.checkpoint-root", problems)
              .orElse(checkpointRoot);
    }
    SpeedSettings.Restart restart =
        speed
            .flatMap(s -> object(s, "restart", "speed.restart", problems))
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
                        c.get(RESTART_MAX_BACKOFF)))
            .orElse(
                new SpeedSettings.Restart(
                    10, java.time.Duration.ofSeconds(5), java.time.Duration.ofMinutes(1)));
    return new SpeedSettings(trigger, checkpointRoot, restart);
  }

  static EmbeddedKafkaSettings embeddedKafka(ConfigObject root, List<Problem> problems) {
    Optional<ConfigObject> section = object(root, "embedded-kafka", "embedded-kafka", problems);
    if (section.isEmpty()) {
      return EmbeddedKafkaSettings.disabled();
    }
    return OptionBinder.bind(
            "embedded-kafka",
            "the embedded-kafka section",
            EMBEDDED_KAFKA,
            section.get(),
            "embedded-kafka",
            Set.of(),
            problems)
        .map(
            config ->
                new EmbeddedKafkaSettings(
                    config.get(KAFKA_ENABLED),
                    config.get(KAFKA_PORT),
                    config.get(KAFKA_TOPICS),
                    config.get(KAFKA_PARTITIONS)))
        .orElse(EmbeddedKafkaSettings.disabled());
  }

  static void checkTrigger(String trigger, String location, String path, List<Problem> problems) {
    try {
      Triggers.parse(trigger);
    } catch (IllegalArgumentException e) {
      problems.add(new Problem(location, path, e.getMessage()));
    }
  }
}

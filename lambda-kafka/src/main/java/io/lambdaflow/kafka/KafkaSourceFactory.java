package io.lambdaflow.kafka;

import static io.lambdaflow.spi.ConfigOption.optional;

import io.lambdaflow.records.RecordParser;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.InvalidOptionException;
import io.lambdaflow.spi.OptionRule;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.SourceFactory;
import io.lambdaflow.spi.SourceSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.StructType;

/**
 * {@code type = kafka}: records of one or more topics, in batch (bounded offsets) and streaming.
 */
public final class KafkaSourceFactory implements SourceFactory {
  static final List<String> KAFKA_COLUMNS =
      List.of("key", "topic", "partition", "offset", "timestamp", "headers");

  static final ConfigOption<String> TOPIC =
      optional("topic", OptionTypes.string(), "The topic to read.");
  static final ConfigOption<List<String>> TOPICS =
      optional("topics", OptionTypes.stringList(), "Several topics to read.");
  static final ConfigOption<String> TOPIC_PATTERN =
      optional(
          "topic-pattern",
          OptionTypes.string(),
          "A Java regular expression; every matching topic is read.");
  static final ConfigOption<String> STARTING_OFFSETS =
      optional(
          "starting-offsets",
          OptionTypes.string(),
          "earliest",
          "Where to start: earliest, latest, last-run (batch: where the previous batch run of this pipeline"
              + " stopped; earliest the first time) or JSON such as {\"events\":{\"0\":42}}.");
  static final ConfigOption<String> ENDING_OFFSETS =
      optional(
          "ending-offsets",
          OptionTypes.string(),
          "latest",
          "Batch only: where to stop: latest (the end of each partition when the run starts) or JSON.");
  static final ConfigOption<String> VALUE_FORMAT =
      optional(
          "value-format",
          OptionTypes.oneOf("string", "binary", "json", "csv", "avro"),
          "string",
          "How values decode: string (a 'value' column), binary, or json, csv or avro into the fields of"
              + " 'schema' / 'avro-schema'; values that do not decode become dead letters.");
  static final ConfigOption<String> KEY_FORMAT =
      optional(
          "key-format",
          OptionTypes.oneOf("string", "binary"),
          "string",
          "How the 'key' column is given: as a string (UTF-8) or the raw bytes.");
  static final ConfigOption<StructType> SCHEMA =
      optional(
          "schema", OptionTypes.schema(), "json and csv: the fields of a value, in Spark DDL.");
  static final ConfigOption<String> AVRO_SCHEMA =
      optional(
          "avro-schema",
          OptionTypes.string(),
          "avro: the Avro record schema values are read as, in JSON: the writer's for plain Avro"
              + " binary; with a schema registry, the reader schema every writer schema resolves to"
              + " (a field added with a default, a field removed).");
  static final ConfigOption<String> DELIMITER =
      optional("delimiter", OptionTypes.string(), ",", "csv: the field delimiter.");
  static final ConfigOption<List<String>> REQUIRED =
      optional(
          "required",
          OptionTypes.stringList(),
          List.of(),
          "Decoded fields that must be present and non-null; a record without one is a dead letter.");
  static final ConfigOption<Map<String, String>> PARSE_OPTIONS =
      optional(
          "parse-options",
          OptionTypes.stringMap(),
          Map.of(),
          "Spark JSON/CSV parser options (timestampFormat, ...).");
  static final ConfigOption<List<String>> COLUMNS =
      optional(
          "columns",
          OptionTypes.stringList(),
          List.of("key", "topic", "partition", "offset", "timestamp"),
          "Kafka columns to keep beside the value: any of "
              + KAFKA_COLUMNS
              + " (headers as a map of strings).");
  static final ConfigOption<Long> MAX_OFFSETS_PER_TRIGGER =
      optional(
          "max-offsets-per-trigger",
          OptionTypes.longInteger(),
          "Speed layer: at most this many records per micro-batch, across partitions.");
  static final ConfigOption<Boolean> FAIL_ON_DATA_LOSS =
      optional(
          "fail-on-data-loss",
          OptionTypes.bool(),
          true,
          "Fail when offsets to be read have expired from the topic, rather than skip them.");

  private static final Options DECLARED =
      Options.of(
              KafkaOptions.BOOTSTRAP_SERVERS,
              TOPIC,
              TOPICS,
              TOPIC_PATTERN,
              STARTING_OFFSETS,
              ENDING_OFFSETS,
              KEY_FORMAT,
              VALUE_FORMAT,
              SCHEMA,
              AVRO_SCHEMA,
              DELIMITER,
              REQUIRED,
              PARSE_OPTIONS,
              COLUMNS,
              MAX_OFFSETS_PER_TRIGGER,
              FAIL_ON_DATA_LOSS,
              KafkaOptions.REGISTRY_URL,
              KafkaOptions.REGISTRY_USER,
              KafkaOptions.REGISTRY_PASSWORD,
              KafkaOptions.CLIENT,
              KafkaOptions.CONNECT_TIMEOUT)
          .withRules(
              OptionRule.onlyIf(KafkaOptions.REGISTRY_URL, VALUE_FORMAT, "avro"),
              OptionRule.onlyIf(KafkaOptions.REGISTRY_USER, VALUE_FORMAT, "avro"),
              OptionRule.onlyIf(KafkaOptions.REGISTRY_PASSWORD, VALUE_FORMAT, "avro"),
              config -> {
                int set =
                    (config.isSet(TOPIC) ? 1 : 0)
                        + (config.isSet(TOPICS) ? 1 : 0)
                        + (config.isSet(TOPIC_PATTERN) ? 1 : 0);
                return set == 1
                    ? List.of()
                    : List.of(
                        new OptionRule.Violation(
                            "topic", "set exactly one of 'topic', 'topics' and 'topic-pattern'"));
              },
              OptionRule.requiredIf(SCHEMA, VALUE_FORMAT, "json", "csv"),
              OptionRule.onlyIf(SCHEMA, VALUE_FORMAT, "json", "csv"),
              OptionRule.requiredIf(AVRO_SCHEMA, VALUE_FORMAT, "avro"),
              OptionRule.onlyIf(AVRO_SCHEMA, VALUE_FORMAT, "avro"),
              OptionRule.onlyIf(DELIMITER, VALUE_FORMAT, "csv"),
              OptionRule.onlyIf(REQUIRED, VALUE_FORMAT, "json", "csv", "avro"),
              OptionRule.onlyIf(PARSE_OPTIONS, VALUE_FORMAT, "json", "csv"));

  @Override
  public String name() {
    return "kafka";
  }

  @Override
  public String description() {
    return "Reads Kafka topics: bounded offset ranges in the batch layer, continuously in the speed layer.";
  }

  @Override
  public Options options() {
    return DECLARED;
  }

  @Override
  public SourceSpec create(PluginConfig config, PluginContext context) {
    List<String> columns = config.get(COLUMNS);
    for (String column : columns) {
      if (!KAFKA_COLUMNS.contains(column)) {
        throw new InvalidOptionException(
            "columns", "'" + column + "' is not a Kafka column; choose from " + KAFKA_COLUMNS);
      }
    }
    RecordParser parser = parser(config);
    if (parser != null) {
      List<String> clashes = new ArrayList<>(Arrays.asList(parser.schema().fieldNames()));
      clashes.retainAll(columns);
      if (!clashes.isEmpty()) {
        throw new InvalidOptionException(
            "columns",
            "the value's field(s) "
                + clashes
                + " clash with Kafka columns of the same name; remove them from columns (default "
                + COLUMNS.defaultValue().orElseThrow()
                + ") or rename the fields");
      }
    }
    List<String> topics =
        config.isSet(TOPIC) ? List.of(config.get(TOPIC)) : config.find(TOPICS).orElse(List.of());
    String starting = config.get(STARTING_OFFSETS).strip();
    String ending = config.get(ENDING_OFFSETS).strip();
    checkOffsets("starting-offsets", starting, true);
    checkOffsets("ending-offsets", ending, false);
    return new KafkaSource(
        context,
        config.get(KafkaOptions.BOOTSTRAP_SERVERS),
        topics,
        config.find(TOPIC_PATTERN).orElse(null),
        starting,
        ending,
        config.get(KEY_FORMAT),
        config.get(VALUE_FORMAT),
        parser,
        columns,
        config.find(MAX_OFFSETS_PER_TRIGGER).orElse(null),
        config.get(FAIL_ON_DATA_LOSS),
        config.get(KafkaOptions.CLIENT),
        config.get(KafkaOptions.CONNECT_TIMEOUT));
  }

  private static RecordParser parser(PluginConfig config) {
    try {
      RecordParser parser =
          switch (config.get(VALUE_FORMAT)) {
            case "json" -> RecordParser.json(config.get(SCHEMA), config.get(PARSE_OPTIONS));
            case "csv" ->
                RecordParser.csv(
                    config.get(SCHEMA), config.get(DELIMITER), config.get(PARSE_OPTIONS));
            case "avro" -> avro(config.get(AVRO_SCHEMA), KafkaOptions.registry(config));
            default -> null;
          };
      return parser == null ? null : parser.requiring(config.get(REQUIRED));
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException("required", e.getMessage());
    }
  }

  private static RecordParser avro(String schema, io.lambdaflow.records.SchemaRegistry registry) {
    try {
      return RecordParser.avro(schema, registry);
    } catch (RuntimeException e) {
      throw new InvalidOptionException(
          "avro-schema", "not a usable Avro schema: " + e.getMessage());
    }
  }

  private static void checkOffsets(String key, String value, boolean starting) {
    List<String> words = starting ? List.of("earliest", "latest", "last-run") : List.of("latest");
    if (words.contains(value) || value.startsWith("{")) {
      return;
    }
    throw new InvalidOptionException(
        key,
        "expected one of "
            + words
            + " or offsets as JSON"
            + " ({\"topic\":{\"0\":42}}), got '"
            + value
            + "'");
  }
}

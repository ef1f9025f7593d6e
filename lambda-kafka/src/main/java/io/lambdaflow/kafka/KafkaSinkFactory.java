package io.lambdaflow.kafka;

import static io.lambdaflow.spi.ConfigOption.optional;
import static io.lambdaflow.spi.ConfigOption.required;

import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionRule;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.SinkFactory;
import io.lambdaflow.spi.SinkSpec;

/** {@code type = kafka}: writes each row as one record, in batch and streaming. */
public final class KafkaSinkFactory implements SinkFactory {
  static final ConfigOption<String> TOPIC =
      required("topic", OptionTypes.string(), "The topic to write.");
  static final ConfigOption<String> VALUE_FORMAT =
      optional(
          "value-format",
          OptionTypes.oneOf("json", "avro", "string"),
          "json",
          "How a row becomes the record's value: json (all columns as one object), avro (all columns as an"
              + " Avro record) or string (the row's only column, or its 'value' column).");
  static final ConfigOption<String> AVRO_SCHEMA =
      optional(
          "avro-schema",
          OptionTypes.string(),
          "avro: the Avro schema to write with, as JSON; default: derived from the columns.");
  static final ConfigOption<String> KEY =
      optional(
          "key",
          OptionTypes.expression(),
          "A Spark SQL expression giving each record's key (host, concat(a, '-', b)); default: no key.");

  private static final Options DECLARED =
      Options.of(
              KafkaOptions.BOOTSTRAP_SERVERS,
              TOPIC,
              VALUE_FORMAT,
              AVRO_SCHEMA,
              KEY,
              KafkaOptions.REGISTRY_URL,
              KafkaOptions.REGISTRY_USER,
              KafkaOptions.REGISTRY_PASSWORD,
              KafkaOptions.CLIENT,
              KafkaOptions.CONNECT_TIMEOUT)
          .withRules(
              OptionRule.onlyIf(AVRO_SCHEMA, VALUE_FORMAT, "avro"),
              OptionRule.onlyIf(KafkaOptions.REGISTRY_URL, VALUE_FORMAT, "avro"),
              OptionRule.onlyIf(KafkaOptions.REGISTRY_USER, VALUE_FORMAT, "avro"),
              OptionRule.onlyIf(KafkaOptions.REGISTRY_PASSWORD, VALUE_FORMAT, "avro"));

  @Override
  public String name() {
    return "kafka";
  }

  @Override
  public String description() {
    return "Writes rows to a Kafka topic as JSON, Avro or plain strings, keyed by an expression.";
  }

  @Override
  public Options options() {
    return DECLARED;
  }

  @Override
  public SinkSpec create(PluginConfig config, PluginContext context) {
    return new KafkaSink(
        config.get(KafkaOptions.BOOTSTRAP_SERVERS),
        config.get(TOPIC),
        config.get(VALUE_FORMAT),
        config.find(AVRO_SCHEMA).orElse(null),
        config.find(KEY).orElse(null),
        config.get(KafkaOptions.CLIENT),
        config.get(KafkaOptions.CONNECT_TIMEOUT),
        KafkaOptions.registry(config));
  }
}

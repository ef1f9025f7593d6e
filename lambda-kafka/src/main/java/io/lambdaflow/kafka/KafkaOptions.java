package io.lambdaflow.kafka;

import static io.lambdaflow.spi.ConfigOption.optional;
import static io.lambdaflow.spi.ConfigOption.required;

import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionTypes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Options the Kafka source and sink share. */
final class KafkaOptions {
  static final ConfigOption<String> BOOTSTRAP_SERVERS =
      required(
          "bootstrap-servers",
          OptionTypes.string(),
          "The brokers, host:port[,host:port...] (the embedded broker prints its address).");
  static final ConfigOption<Map<String, String>> CLIENT =
      optional(
          "kafka",
          OptionTypes.stringMap(),
          Map.of(),
          "Kafka client properties passed through as they are: security.protocol, sasl.mechanism,"
              + " sasl.jaas.config, ssl.truststore.location, ... (secrets are redacted in logs).");
  static final ConfigOption<Duration> CONNECT_TIMEOUT =
      optional(
          "connect-timeout",
          OptionTypes.duration(),
          Duration.ofSeconds(30),
          "How long to wait for the brokers to answer before failing with a clear error.");

  private KafkaOptions() {}

  /** Client properties as Spark's Kafka source and sink take them: each prefixed with "kafka.". */
  static Map<String, String> sparkOptions(String bootstrapServers, Map<String, String> client) {
    Map<String, String> options = new HashMap<>();
    client.forEach((key, value) -> options.put("kafka." + key, value));
    options.put("kafka.bootstrap.servers", bootstrapServers);
    return options;
  }
}

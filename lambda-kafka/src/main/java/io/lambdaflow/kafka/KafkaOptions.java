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

  static final ConfigOption<String> REGISTRY_URL =
      optional(
          "schema-registry-url",
          OptionTypes.string(),
          "avro: a Confluent-compatible schema registry (Confluent's, or Apicurio's"
              + " http://host:8080/apis/ccompat/v7); values are then in its wire format (magic byte"
              + " 0, schema id, Avro binary).");
  static final ConfigOption<String> REGISTRY_USER =
      optional(
          "schema-registry-user",
          OptionTypes.string(),
          "The registry's basic-authentication user.");
  static final ConfigOption<String> REGISTRY_PASSWORD =
      optional(
              "schema-registry-password",
              OptionTypes.string(),
              "Its password (from the environment: ${?LAMBDA_REGISTRY_PASSWORD}).")
          .secret();

  private KafkaOptions() {}

  /** The registry the options name, or null without {@code schema-registry-url}. */
  static io.lambdaflow.records.SchemaRegistry registry(io.lambdaflow.spi.PluginConfig config) {
    return config
        .find(REGISTRY_URL)
        .map(
            url ->
                new io.lambdaflow.records.SchemaRegistry(
                    url,
                    config.find(REGISTRY_USER).orElse(null),
                    config.find(REGISTRY_PASSWORD).orElse(null)))
        .orElse(null);
  }

  /** Client properties as Spark's Kafka source and sink take them: each prefixed with "kafka.". */
  static Map<String, String> sparkOptions(String bootstrapServers, Map<String, String> client) {
    Map<String, String> options = new HashMap<>();
    client.forEach((key, value) -> options.put("kafka." + key, value));
    options.put("kafka.bootstrap.servers", bootstrapServers);
    return options;
  }
}

package io.lambdaflow.pipeline;

import java.util.List;

/**
 * Whether the launcher starts a Kafka broker in its own process before running the pipeline, for
 * demos and laptops.
 *
 * @param enabled start one
 * @param port its loopback port; sources and sinks then use bootstrap-servers = "127.0.0.1:PORT"
 * @param topics topics to create at start
 * @param partitions partitions of each created topic
 */
public record EmbeddedKafkaSettings(
    boolean enabled, int port, List<String> topics, int partitions) {
  public EmbeddedKafkaSettings {
    topics = List.copyOf(topics);
  }
}

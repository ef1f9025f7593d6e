package io.lambdaflow.cli;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.pipeline.EmbeddedKafkaSettings;
import io.lambdaflow.pipeline.Pipeline;
import java.io.PrintStream;

/** The services a pipeline asks the launcher to start first (an embedded Kafka broker). */
final class EmbeddedServices implements AutoCloseable {
  private final EmbeddedKafka kafka;

  private EmbeddedServices(EmbeddedKafka kafka) {
    this.kafka = kafka;
  }

  /** No services: for layers that read no source. */
  static EmbeddedServices none() {
    return new EmbeddedServices(null);
  }

  static EmbeddedServices start(Pipeline pipeline, PrintStream err) {
    EmbeddedKafkaSettings settings = pipeline.embeddedKafka();
    if (!settings.enabled()) {
      return new EmbeddedServices(null);
    }
    EmbeddedKafka kafka = EmbeddedKafka.start(settings.port());
    settings.topics().forEach(topic -> kafka.createTopic(topic, settings.partitions()));
    err.println(
        "embedded Kafka broker at " + kafka.bootstrapServers() + ", topics " + kafka.topics());
    return new EmbeddedServices(kafka);
  }

  /** Stops the services; safe to call twice. */
  @Override
  public synchronized void close() {
    if (kafka != null && !closed) {
      closed = true;
      kafka.close();
    }
  }

  private boolean closed;
}

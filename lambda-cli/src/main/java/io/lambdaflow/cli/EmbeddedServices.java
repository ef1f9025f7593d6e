package io.lambdaflow.cli;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.embedded.EmbeddedPostgres;
import io.lambdaflow.embedded.EmbeddedS3;
import io.lambdaflow.pipeline.EmbeddedKafkaSettings;
import io.lambdaflow.pipeline.EmbeddedPostgresSettings;
import io.lambdaflow.pipeline.EmbeddedS3Settings;
import io.lambdaflow.pipeline.Pipeline;
import java.io.PrintStream;

/**
 * The services a pipeline asks the launcher to start first: an embedded Kafka broker, an embedded
 * PostgreSQL server, an embedded S3 API server.
 */
final class EmbeddedServices implements AutoCloseable {
  private final EmbeddedKafka kafka;
  private final EmbeddedPostgres postgres;
  private EmbeddedS3 s3;

  private EmbeddedServices(EmbeddedKafka kafka, EmbeddedPostgres postgres) {
    this.kafka = kafka;
    this.postgres = postgres;
  }

  /** No services: for layers that read no source. */
  static EmbeddedServices none() {
    return new EmbeddedServices(null, null);
  }

  static EmbeddedServices start(Pipeline pipeline, PrintStream err) {
    EmbeddedKafka kafka = null;
    EmbeddedKafkaSettings settings = pipeline.embeddedKafka();
    if (settings.enabled()) {
      EmbeddedKafka started = EmbeddedKafka.start(settings.port());
      settings.topics().forEach(topic -> started.createTopic(topic, settings.partitions()));
      err.println(
          "embedded Kafka broker at "
              + started.bootstrapServers()
              + ", topics "
              + started.topics());
      kafka = started;
    }
    EmbeddedPostgres postgres = null;
    EmbeddedPostgresSettings database = pipeline.embeddedPostgres();
    if (database.enabled()) {
      try {
        postgres = EmbeddedPostgres.start(database.port());
        database.databases().forEach(postgres::createDatabase);
      } catch (RuntimeException e) {
        if (postgres != null) {
          postgres.close();
        }
        if (kafka != null) {
          kafka.close();
        }
        throw e;
      }
      err.println("embedded PostgreSQL at " + postgres.jdbcUrl("postgres"));
    }
    EmbeddedServices services = new EmbeddedServices(kafka, postgres);
    EmbeddedS3Settings s3 = pipeline.embeddedS3();
    if (s3.enabled()) {
      try {
        services.s3 = EmbeddedS3.start(s3.port(), s3.buckets(), s3.accessKey(), s3.secretKey());
      } catch (RuntimeException e) {
        services.close();
        throw e;
      }
      err.println("embedded S3 server at " + services.s3.endpoint() + ", buckets " + s3.buckets());
    }
    return services;
  }

  /** Stops the services; safe to call twice. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (kafka != null) {
      kafka.close();
    }
    if (postgres != null) {
      postgres.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  private boolean closed;
}

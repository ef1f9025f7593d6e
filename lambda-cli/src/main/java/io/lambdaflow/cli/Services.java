package io.lambdaflow.cli;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The verbs that run services rather than pipelines: {@code broker}, {@code postgres} and {@code
 * produce}.
 */
final class Services {
  private Services() {}

  static int broker(CommandLine command, PrintStream out, PrintStream err) {
    int port;
    int partitions;
    try {
      port = Integer.parseInt(command.flag("--port", "9092"));
      partitions = Integer.parseInt(command.flag("--partitions", "1"));
    } catch (NumberFormatException e) {
      err.println("lambda broker: --port and --partitions take whole numbers");
      return Launcher.CONFIGURATION_ERROR;
    }
    EmbeddedKafka kafka;
    try {
      kafka = EmbeddedKafka.start(port);
    } catch (RuntimeException e) {
      err.println(
          "lambda broker: "
              + e.getMessage()
              + (e.getCause() != null ? ": " + e.getCause().getMessage() : ""));
      return Launcher.RUNTIME_FAILURE;
    }
    CountDownLatch stopped = stopOnShutdown(kafka, "stop-embedded-kafka");
    for (String topic : command.flag("--topic", "").split(",")) {
      if (!topic.isBlank()) {
        kafka.createTopic(topic.strip(), partitions);
      }
    }
    out.println(
        "Kafka broker (embedded, KRaft) at "
            + kafka.bootstrapServers()
            + "; topics: "
            + kafka.topics()
            + "; Ctrl-C stops it and removes its data");
    return awaitStop(stopped);
  }

  /** Closes {@code service} when the JVM shuts down (Ctrl-C); the latch opens once it has. */
  private static CountDownLatch stopOnShutdown(AutoCloseable service, String threadName) {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    service.close();
                  } catch (Exception e) {
                    System.err.println("could not stop cleanly: " + e.getMessage());
                  }
                  stopped.countDown();
                },
                threadName));
    return stopped;
  }

  private static int awaitStop(CountDownLatch stopped) {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Launcher.OK;
  }

  static int postgres(CommandLine command, PrintStream out, PrintStream err) {
    int port;
    try {
      port = Integer.parseInt(command.flag("--port", "5432"));
    } catch (NumberFormatException e) {
      err.println("lambda postgres: --port takes a whole number");
      return Launcher.CONFIGURATION_ERROR;
    }
    EmbeddedPostgres postgres;
    try {
      postgres = EmbeddedPostgres.start(port);
    } catch (RuntimeException e) {
      err.println("lambda postgres: " + e.getMessage());
      return Launcher.RUNTIME_FAILURE;
    }
    CountDownLatch stopped = stopOnShutdown(postgres, "stop-embedded-postgres");
    out.println(
        "PostgreSQL (embedded) at 127.0.0.1:"
            + postgres.port()
            + "\n  JDBC URL: "
            + postgres.jdbcUrl("postgres")
            + "\n  psql -h 127.0.0.1 -p "
            + postgres.port()
            + " -U postgres postgres\nCtrl-C stops it and removes its data");
    return awaitStop(stopped);
  }

  static int produce(CommandLine command, InputStream in, PrintStream err) {
    String topic = command.flags().get("--topic");
    if (topic == null) {
      err.println(
          "lambda produce: which topic? usage: lambda produce --topic T [--bootstrap host:port]");
      return Launcher.CONFIGURATION_ERROR;
    }
    String env = System.getenv("LAMBDA_KAFKA");
    String bootstrap =
        command.flag("--bootstrap", env != null && !env.isBlank() ? env : "127.0.0.1:9092");
    Map<String, Object> config =
        Map.of(
            "bootstrap.servers", bootstrap,
            "acks", "all",
            "max.block.ms", "30000",
            "request.timeout.ms", "30000",
            "default.api.timeout.ms", "30000");
    try (Admin admin = Admin.create(config)) {
      Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      if (!topics.contains(topic)) {
        int partitions = Integer.parseInt(command.flag("--partitions", "1"));
        admin
            .createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
            .all()
            .get(30, TimeUnit.SECONDS);
        err.println("created topic '" + topic + "' with " + partitions + " partition(s)");
      }
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        err.println(
            "lambda produce: Kafka at " + bootstrap + " refused: " + e.getCause().getMessage());
        return Launcher.RUNTIME_FAILURE;
      }
    } catch (java.util.concurrent.TimeoutException e) {
      err.println(
          "lambda produce: cannot reach Kafka at "
              + bootstrap
              + " within 30 s; is the broker running?"
              + " (bin/lambda broker starts one)");
      return Launcher.RUNTIME_FAILURE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Launcher.RUNTIME_FAILURE;
    }
    long sent = 0;
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (KafkaProducer<String, String> producer =
            new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
        BufferedReader lines =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null && failure.get() == null) {
        producer.send(
            new ProducerRecord<>(topic, line),
            (metadata, e) -> {
              if (e != null) {
                failure.compareAndSet(null, e);
              }
            });
        sent++;
      }
      // Every record is acknowledged (acks = all) or has failed once flush returns.
      producer.flush();
    } catch (IOException e) {
      failure.compareAndSet(null, e);
    }
    if (failure.get() != null) {
      err.println("lambda produce: not every record was written: " + failure.get().getMessage());
      return Launcher.RUNTIME_FAILURE;
    }
    err.println("produced " + sent + " record(s) to topic '" + topic + "' at " + bootstrap);
    return Launcher.OK;
  }
}

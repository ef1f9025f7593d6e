package io.lambdaflow.cli;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.embedded.EmbeddedPostgres;
import io.lambdaflow.embedded.EmbeddedRegistry;
import io.lambdaflow.embedded.EmbeddedSparkCluster;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * The verbs that run services rather than pipelines: {@code broker}, {@code postgres}, {@code
 * registry} and {@code cluster}.
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

  static int cluster(CommandLine command, PrintStream out, PrintStream err) {
    int port;
    int workers;
    try {
      port = Integer.parseInt(command.flag("--port", "7077"));
      workers = Integer.parseInt(command.flag("--workers", "2"));
    } catch (NumberFormatException e) {
      err.println("lambda cluster: --port and --workers take whole numbers");
      return Launcher.CONFIGURATION_ERROR;
    }
    EmbeddedSparkCluster cluster;
    try {
      cluster =
          EmbeddedSparkCluster.start(
              port,
              workers,
              Integer.parseInt(command.flag("--cores", "1")),
              command.flag("--memory", "1g"),
              io.lambdaflow.Lambdaflow.jvmFlags());
    } catch (RuntimeException e) {
      err.println("lambda cluster: " + e.getMessage());
      return Launcher.RUNTIME_FAILURE;
    }
    CountDownLatch stopped = stopOnShutdown(cluster, "stop-embedded-spark");
    out.println(
        "Spark standalone cluster (embedded) at "
            + cluster.masterUrl()
            + ": a master and "
            + workers
            + " worker(s), each a JVM of Spark's own jars; web UI "
            + cluster.webUrl()
            + "; run a pipeline on it with: lambda submit FILE --master "
            + cluster.masterUrl()
            + "; Ctrl-C stops it");
    return awaitStop(stopped);
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

  static int registry(CommandLine command, PrintStream out, PrintStream err) {
    int port;
    try {
      port = Integer.parseInt(command.flag("--port", "8081"));
    } catch (NumberFormatException e) {
      err.println("lambda registry: --port takes a whole number");
      return Launcher.CONFIGURATION_ERROR;
    }
    EmbeddedRegistry registry;
    try {
      registry = EmbeddedRegistry.start(port);
    } catch (RuntimeException e) {
      err.println("lambda registry: " + e.getMessage());
      return Launcher.RUNTIME_FAILURE;
    }
    CountDownLatch stopped = stopOnShutdown(registry, "stop-embedded-registry");
    out.println(
        "Schema registry (embedded Apicurio, Confluent-compatible API) at "
            + registry.url()
            + "\n  sources and sinks: schema-registry-url = \""
            + registry.url()
            + "\"\n  curl "
            + registry.url()
            + "/subjects\nCtrl-C stops it; its schemas are kept in memory only");
    return awaitStop(stopped);
  }
}

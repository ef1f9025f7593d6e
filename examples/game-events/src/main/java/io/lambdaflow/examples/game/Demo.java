package io.lambdaflow.examples.game;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.config.PipelineLoader;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.ingest.IngestService;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.ShutdownHooks;
import io.lambdaflow.pipeline.SparkSessions;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.serving.HttpApi;
import io.lambdaflow.serving.ServingLayer;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.speed.SupervisedPipeline;
import io.lambdaflow.spi.ExecutionMode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bin/lambda demo}: the game-events pipeline end to end on embedded services. It starts a
 * Kafka broker and the game API, drives traffic, runs the batch layer, drives more, runs the speed
 * layer until it has caught up, serves the merged views over HTTP, and prints the purchases per
 * host with how many each layer contributed. Ctrl-C stops everything; {@code --keep-running} leaves
 * it all up (with a trickle of traffic) until then.
 */
public final class Demo {
  static final List<String> HOSTS =
      List.of("user1.comcast.com", "user2.att.com", "user3.google.com");

  /** How the demo runs. */
  public record Options(
      Path conf,
      Path storageRoot,
      long eventsBeforeBatch,
      long eventsAfterBatch,
      int apiPort,
      int servePort,
      boolean keepRunning) {}

  /** What the demo ended with: purchases per host, merged, from batch and from speed. */
  public record Outcome(
      Map<String, Long> purchases, Map<String, Long> fromBatch, Map<String, Long> fromSpeed) {}

  private final Options options;
  private final PrintStream out;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final CountDownLatch terminated = new CountDownLatch(1);

  public Demo(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public Outcome run() throws Exception {
    Instant begin = Instant.now();
    int steps = 7;
    // SIGTERM or Ctrl-C: stop everything (the speed layer after its micro-batch) and exit 0.
    ShutdownHooks.onTermination("the demo", this::terminate);
    Object stopper = ShutdownHooks.beforeSpark(this::stop);
    try {
      step(1, steps, "starting Kafka (KRaft, embedded)");
      EmbeddedKafka kafka = EmbeddedKafka.start();
      started.push(kafka);
      kafka.createTopic("events", 2);
      done(kafka.bootstrapServers());

      step(2, steps, "starting the game API (the ingest routes of " + options.conf() + ")");
      Pipeline pipeline = pipeline(kafka.bootstrapServers());
      IngestService api = IngestService.start(pipeline.ingest());
      started.push(api);
      done(api.url());

      step(3, steps, "sending " + options.eventsBeforeBatch() + " requests");
      LoadGenerator.Result first =
          LoadGenerator.run(api.url(), HOSTS, options.eventsBeforeBatch(), 0, 8, 1);
      done(first.sent() + " events in Kafka, " + first.failed() + " failed");

      step(4, steps, "batch run: master dataset, batch views, metastore");
      deleteRecursively(options.storageRoot());
      SparkSession spark = SparkSessions.start(pipeline);
      RunSummary summary = new BatchLayer(spark).run(pipeline);
      done(
          String.format(
              Locale.ROOT,
              "%,d events in, views published as run %d",
              summary.totalIn(),
              summary.published()));

      step(5, steps, "sending " + options.eventsAfterBatch() + " more requests");
      LoadGenerator.Result second =
          LoadGenerator.run(api.url(), HOSTS, options.eventsAfterBatch(), 0, 8, 2);
      done(second.sent() + " events in Kafka, " + second.failed() + " failed");

      step(6, steps, "speed layer and serving layer");
      SupervisedPipeline speed = new SpeedLayer(spark).run(pipeline);
      started.push(speed);
      ServingLayer serving =
          ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration());
      started.push(serving);
      serving.start();
      HttpApi http = HttpApi.start(serving, "127.0.0.1", port(options.servePort()));
      started.push(http);
      long expected =
          total(first.byHost("purchase_sword")) + total(second.byHost("purchase_sword"));
      Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
      long served = -1;
      Instant nextProgress = Instant.now();
      while (Instant.now().isBefore(deadline)) {
        serving.refresh();
        long now = total(counts(serving, "purchases"));
        if (now != served || Instant.now().isAfter(nextProgress)) {
          out.printf(Locale.ROOT, "      %,d of %,d purchases served%n", now, expected);
          out.flush();
          nextProgress = Instant.now().plusSeconds(10);
        }
        served = now;
        if (served >= expected) {
          break;
        }
        Thread.onSpinWait();
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
      }
      done(served == expected ? "caught up" : "not caught up within 3 minutes");

      step(7, steps, "results");
      Outcome outcome =
          new Outcome(
              counts(serving, "purchases"),
              counts(serving, ServingLayer.batchPart("purchases")),
              counts(serving, ServingLayer.speedPart("purchases")));
      out.println();
      out.println("  Sword purchases per host, served from the merged view:");
      out.printf(
          Locale.ROOT,
          "    %-20s %10s %12s %12s%n",
          "host",
          "purchases",
          "from batch",
          "from speed");
      for (String host : outcome.purchases().keySet()) {
        out.printf(
            Locale.ROOT,
            "    %-20s %,10d %,12d %,12d%n",
            host,
            outcome.purchases().get(host),
            outcome.fromBatch().getOrDefault(host, 0L),
            outcome.fromSpeed().getOrDefault(host, 0L));
      }
      out.printf(
          Locale.ROOT,
          "    %-20s %,10d %,12d %,12d   (the API acknowledged %,d)%n",
          "total",
          total(outcome.purchases()),
          total(outcome.fromBatch()),
          total(outcome.fromSpeed()),
          expected);
      out.println();
      out.println("  Query it:");
      out.println("    curl " + http.url() + "/views");
      out.println("    curl '" + http.url() + "/views/purchases?host=user1.comcast.com&limit=5'");
      out.println(
          "    curl -d 'SELECT host, event_type, events FROM events_per_host ORDER BY host' "
              + http.url()
              + "/query");
      out.println("    curl " + api.url() + "/purchase_a_sword   (log one more)");
      out.println(
          "  Tables game.purchases, game.events_per_host, game.master_events in the metastore"
              + " under "
              + options.storageRoot());
      out.printf(
          Locale.ROOT,
          "  Demo took %.0f s.%n",
          Duration.between(begin, Instant.now()).toMillis() / 1000.0);
      if (options.keepRunning()) {
        out.println(
            "  Everything keeps running, with two requests a second of traffic; Ctrl-C stops it.");
        Thread trickle =
            new Thread(
                () -> {
                  try {
                    LoadGenerator.run(api.url(), HOSTS, Long.MAX_VALUE, 2, 1, 3);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "lambda-demo-traffic");
        trickle.setDaemon(true);
        trickle.start();
        terminated.await();
      }
      return outcome;
    } finally {
      stop();
      ShutdownHooks.remove(stopper);
    }
  }

  /** On SIGTERM or Ctrl-C: stops everything and lets {@link #run} return. */
  private void terminate() {
    stop();
    terminated.countDown();
  }

  /** Whether the demo was stopped by a signal before it finished. */
  public boolean wasTerminated() {
    return terminated.getCount() == 0;
  }

  /** Stops what was started, newest first; safe to call twice. */
  private void stop() {
    synchronized (started) {
      while (!started.isEmpty()) {
        try {
          started.pop().close();
        } catch (Exception e) {
          // stopping the rest anyway
        }
      }
    }
  }

  private Pipeline pipeline(String bootstrap) throws ConfigurationException, IOException {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    Map<String, String> overrides = new LinkedHashMap<>();
    overrides.put("sources.events.bootstrap-servers", bootstrap);
    overrides.put("storage-root", options.storageRoot().toString());
    overrides.put("speed.trigger", "2 seconds");
    overrides.put("ingest.bootstrap-servers", bootstrap);
    overrides.put("ingest.port", String.valueOf(port(options.apiPort())));
    return new PipelineLoader(PluginRegistry.discover(loader), loader)
        .load(options.conf(), overrides, Set.of(ExecutionMode.BATCH, ExecutionMode.STREAMING));
  }

  /** Sword purchases per host in a relation with host rows. */
  private static Map<String, Long> counts(ServingLayer serving, String relation) {
    Map<String, Long> counts = new TreeMap<>();
    try {
      QueryResult result =
          serving.query("SELECT host, COUNT(*) AS n FROM " + relation + " GROUP BY host");
      result
          .rows()
          .forEach(r -> counts.put(String.valueOf(r.get(0)), ((Number) r.get(1)).longValue()));
    } catch (IllegalArgumentException e) {
      // not served yet
    }
    return counts;
  }

  private static long total(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  private static int port(int wanted) throws IOException {
    if (wanted > 0) {
      try (ServerSocket socket = new ServerSocket(wanted)) {
        return wanted;
      } catch (IOException e) {
        // taken: a free one instead
      }
    }
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private long stepStarted;

  private void step(int n, int of, String what) {
    stepStarted = System.nanoTime();
    out.printf(Locale.ROOT, "[%d/%d] %s...%n", n, of, what);
    out.flush();
  }

  private void done(String detail) {
    out.printf(Locale.ROOT, "      %s (%.1f s)%n", detail, (System.nanoTime() - stepStarted) / 1e9);
    out.flush();
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      List<Path> paths = walk.sorted(java.util.Comparator.reverseOrder()).toList();
      for (Path path : paths) {
        Files.deleteIfExists(path);
      }
    }
  }
}

package io.lambdaflow.examples.gtfs;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.cli.DemoSteps;
import io.lambdaflow.cli.Launcher;
import io.lambdaflow.config.PipelineLoader;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.ShutdownHooks;
import io.lambdaflow.pipeline.SparkSessions;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.serving.ServingLayer;
import io.lambdaflow.speed.RunningPipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.spi.ExecutionMode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bin/lambda demo gtfs}: conf/gtfs.conf on an embedded broker with the STM-shaped sample
 * feed: its dimension tables staged, its stop times produced as CSV, a batch run (enriched_trip,
 * the master dataset, the departures view), the speed layer (enriched stop times as Avro), then the
 * served view and the dead letters with their reasons.
 */
public final class GtfsDemo {
  private static final String COLUMNS = "trip_id,arrival_time,departure_time,stop_id,stop_sequence";

  private final Path home;
  private final Path data;
  private final PrintStream out;
  private final DemoSteps steps;

  public GtfsDemo(Path home, String feed, PrintStream out) {
    this.home = home;
    this.data = feedFolder(home, feed);
    this.out = out;
    this.steps = new DemoSteps(out, 5);
  }

  public static void main(String[] args) throws Exception {
    String feed = "stm-sample";
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--feed") && i + 1 < args.length) {
        feed = args[++i];
      } else if (!args[i].equals("demo")
          && !args[i].equals("gtfs")
          && !args[i].equals("--verbose")) {
        System.err.println("lambda demo gtfs: unexpected argument '" + args[i] + "'");
        System.exit(2);
      }
    }
    if (!List.of(args).contains("--verbose")) {
      org.apache.logging.log4j.core.config.Configurator.setLevel(
          "io.lambdaflow", org.apache.logging.log4j.Level.WARN);
    }
    GtfsDemo demo;
    try {
      demo = new GtfsDemo(DemoSteps.home(), feed, System.out);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    demo.run();
    System.exit(0);
  }

  public void run() throws Exception {
    Instant begin = Instant.now();
    ShutdownHooks.onTermination("the demo", steps::stop);
    Object stopper = ShutdownHooks.beforeSpark(steps::stop);
    Path root = home.resolve("target/gtfs-demo");
    try {
      steps.step(
          1, "starting Kafka (embedded) and staging the " + data.getFileName() + " feed's tables");
      DemoSteps.deleteRecursively(root);
      EmbeddedKafka kafka = steps.started(EmbeddedKafka.start());
      kafka.createTopic("stop_times", 2);
      for (String table : List.of("trips", "calendar_dates", "frequencies")) {
        if (Files.exists(data.resolve(table + ".txt"))) {
          Path folder = Files.createDirectories(root.resolve("staging").resolve(table));
          Files.copy(data.resolve(table + ".txt"), folder.resolve(table + ".txt"));
        }
      }
      steps.done(kafka.bootstrapServers() + "; staged under " + root.resolve("staging"));

      steps.step(2, "lambda produce: stop_times.txt to the topic as CSV records");
      ByteArrayOutputStream said = new ByteArrayOutputStream();
      int status =
          new Launcher(
                  new ByteArrayInputStream(new byte[0]),
                  new PrintStream(new ByteArrayOutputStream()),
                  new PrintStream(said, true, StandardCharsets.UTF_8))
              .run(
                  new String[] {
                    "produce",
                    "--bootstrap",
                    kafka.bootstrapServers(),
                    "--topic",
                    "stop_times",
                    "--file",
                    data.resolve("stop_times.txt").toString(),
                    "--format",
                    "csv",
                    "--columns",
                    COLUMNS
                  });
      if (status != 0) {
        throw new IllegalStateException(said.toString(StandardCharsets.UTF_8).strip());
      }
      steps.done(said.toString(StandardCharsets.UTF_8).strip().replaceAll("\\s+", " "));

      Pipeline pipeline = pipeline(root, kafka.bootstrapServers());
      steps.step(3, "batch run: enriched_trip, the master dataset and the departures view");
      SparkSession spark = SparkSessions.start(pipeline);
      RunSummary summary = new BatchLayer(spark).run(pipeline);
      steps.done(
          String.format(
              Locale.ROOT,
              "%,d stop times in, %,d trips enriched, %,d dead letters",
              summary.recordsIn().getOrDefault("stop_times", 0L),
              summary.recordsOut().getOrDefault("enriched_trip", 0L),
              summary.deadLetters()));

      steps.step(4, "speed layer: each micro-batch joined with enriched_trip, written as Avro");
      try (RunningPipeline speed = new SpeedLayer(spark).start(pipeline)) {
        speed.awaitTermination();
      }
      long enriched =
          spark.read().format("avro").load(root.resolve("enriched_stop_time").toString()).count();
      steps.done(String.format(Locale.ROOT, "%,d enriched stop times", enriched));

      steps.step(5, "results");
      print(spark, pipeline, root);
      out.printf(
          Locale.ROOT,
          "%n  Demo took %.0f s; Kafka stops now. Results stay under %s.%n",
          Duration.between(begin, Instant.now()).toMillis() / 1000.0,
          root);
    } finally {
      steps.stop();
      ShutdownHooks.remove(stopper);
    }
  }

  /**
   * A shipped feed by name (examples/gtfs/data/NAME) or any unzipped GTFS feed by its folder; a
   * feed without stop_times.txt or trips.txt is refused before anything starts.
   */
  static Path feedFolder(Path home, String feed) {
    Path shipped = home.resolve("examples/gtfs/data");
    Path folder = Files.isDirectory(Path.of(feed)) ? Path.of(feed) : shipped.resolve(feed);
    for (String required : List.of("stop_times.txt", "trips.txt")) {
      if (!Files.isRegularFile(folder.resolve(required))) {
        throw new IllegalArgumentException(
            "lambda demo gtfs: no "
                + required
                + " in "
                + folder
                + " (--feed takes a shipped feed, stm-sample or small-town, or the folder of an"
                + " unzipped GTFS feed)");
      }
    }
    return folder;
  }

  private void print(SparkSession spark, Pipeline pipeline, Path root) throws Exception {
    out.println();
    out.println("  enriched_trip (Parquet), the first three:");
    for (Row row :
        spark
            .read()
            .parquet(root.resolve("enriched_trip").toString())
            .orderBy("trip_id")
            .limit(3)
            .collectAsList()) {
      out.println("    " + row);
    }
    try (ServingLayer serving =
        ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())) {
      serving.refresh();
      QueryResult busiest =
          serving.query(
              "SELECT route_id, hour, departures, first, last FROM departures"
                  + " ORDER BY departures DESC, route_id, hour LIMIT 8");
      out.println();
      out.println("  departures per route and hour (the view, served), the busiest:");
      out.printf(
          Locale.ROOT,
          "    %-6s %4s %10s  %-8s %-8s%n",
          "route",
          "hour",
          "departures",
          "first",
          "last");
      for (List<Object> r : busiest.rows()) {
        out.printf(
            Locale.ROOT,
            "    %-6s %4s %10s  %-8s %-8s%n",
            r.get(0),
            r.get(1),
            r.get(2),
            r.get(3),
            r.get(4));
      }
    }
    out.println();
    out.println("  dead letters by stage and reason (each layer writes its own):");
    List<Row> reasons =
        !Files.isDirectory(root.resolve("dead-letters"))
            ? List.of()
            : spark
                .read()
                .schema("stage STRING, reason STRING")
                .json(root.resolve("dead-letters").toString())
                .groupBy("stage", "reason")
                .count()
                .orderBy("stage")
                .collectAsList();
    if (reasons.isEmpty()) {
      out.println("    none: every stop time was enriched");
    }
    for (Row row : reasons) {
      out.printf(
          Locale.ROOT, "    %s (%d): %s%n", row.getString(0), row.getLong(2), row.getString(1));
    }
  }

  private Pipeline pipeline(Path root, String bootstrap) throws Exception {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return new PipelineLoader(PluginRegistry.discover(loader), loader)
        .load(
            home.resolve("conf/gtfs.conf"),
            Map.of(
                "storage-root",
                root.toAbsolutePath().toString(),
                "sources.stop_times.bootstrap-servers",
                bootstrap,
                "speed.trigger",
                "available-now"),
            Set.of(ExecutionMode.BATCH, ExecutionMode.STREAMING));
  }
}

package io.lambdaflow.examples.pinterest;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.cli.DemoSteps;
import io.lambdaflow.config.PipelineLoader;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.embedded.EmbeddedPostgres;
import io.lambdaflow.embedded.EmbeddedS3;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.ingest.IngestService;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.ShutdownHooks;
import io.lambdaflow.pipeline.SparkSessions;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.serving.ServingLayer;
import io.lambdaflow.speed.RunningPipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.spi.ExecutionMode;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bin/lambda demo pinterest}: conf/pinterest.conf end to end on embedded services: a Kafka
 * broker, PostgreSQL and an S3 API server; the ingest API and the looping poster; a batch run
 * (cleaned Parquet by day in S3); the speed layer (upserts into PostgreSQL); the per-category view
 * served from S3. Prints cleaned rows from PostgreSQL and where the Parquet is. Ctrl-C stops it.
 */
public final class PinterestDemo {
  private final Path conf;
  private final int pins;
  private final PrintStream out;
  private final DemoSteps steps;

  public PinterestDemo(Path conf, int pins, PrintStream out) {
    this.conf = conf;
    this.pins = pins;
    this.out = out;
    this.steps = new DemoSteps(out, 5);
  }

  public void run() throws Exception {
    Instant begin = Instant.now();
    ShutdownHooks.onTermination("the demo", steps::stop);
    Object stopper = ShutdownHooks.beforeSpark(steps::stop);
    try {
      steps.step(1, "starting Kafka, PostgreSQL and an S3 API server (embedded)");
      EmbeddedKafka kafka = steps.started(EmbeddedKafka.start());
      kafka.createTopic("pins", 2);
      Pipeline pipeline = pipeline(kafka.bootstrapServers());
      EmbeddedPostgres postgres =
          steps.started(EmbeddedPostgres.start(pipeline.embeddedPostgres().port()));
      EmbeddedS3 s3 =
          EmbeddedS3.start(
              pipeline.embeddedS3().port(),
              pipeline.embeddedS3().buckets(),
              pipeline.embeddedS3().accessKey(),
              pipeline.embeddedS3().secretKey());
      steps.started(s3);
      steps.done(
          kafka.bootstrapServers() + ", " + postgres.jdbcUrl("postgres") + ", " + s3.endpoint());

      steps.step(2, "the ingest API and the looping poster: " + pins + " dirty pins");
      PinPoster.Result posted;
      try (IngestService api = IngestService.start(pipeline.ingest())) {
        posted = PinPoster.run(api.url(), pins, pins, 0, 4);
      }
      steps.done(
          String.format(
              Locale.ROOT,
              "%d acknowledged, %d refused by the API (not JSON), %d failed",
              posted.accepted(),
              posted.refused(),
              posted.failed()));

      steps.step(3, "batch run: cleaning, master dataset and Parquet by day in S3");
      SparkSession spark = SparkSessions.start(pipeline);
      RunSummary summary = new BatchLayer(spark).run(pipeline);
      steps.done(
          String.format(
              Locale.ROOT,
              "%,d pins in, %,d cleaned to the lake, %,d dead letters",
              summary.totalIn(),
              summary.recordsOut().getOrDefault("lake", 0L),
              summary.deadLetters()));

      steps.step(4, "speed layer: upserts into PostgreSQL by unique_id");
      try (RunningPipeline speed = new SpeedLayer(spark).start(pipeline)) {
        speed.awaitTermination();
      }
      steps.done("caught up");

      steps.step(5, "results");
      out.println();
      out.println("  Cleaned pins in PostgreSQL (table pins), the first five:");
      try (Connection connection = postgres.connect("postgres");
          Statement statement = connection.createStatement()) {
        try (ResultSet rows =
            statement.executeQuery(
                "SELECT index, title, follower_count, tag_list, category FROM pins"
                    + " ORDER BY index LIMIT 5")) {
          out.printf(
              Locale.ROOT, "    %5s  %-34s %12s  %s%n", "index", "title", "followers", "tag_list");
          while (rows.next()) {
            out.printf(
                Locale.ROOT,
                "    %5d  %-34s %,12d  %s%n",
                rows.getInt(1),
                rows.getString(2),
                rows.getLong(3),
                rows.getString(4));
          }
        }
        try (ResultSet count = statement.executeQuery("SELECT count(*) FROM pins")) {
          count.next();
          out.printf(Locale.ROOT, "    %,d rows, one per pin%n", count.getLong(1));
        }
      }
      out.println();
      out.println("  Parquet in S3 (" + s3.endpoint() + "), by day:");
      FileSystem fs =
          FileSystem.get(
              java.net.URI.create("s3a://pinterest/"), spark.sparkContext().hadoopConfiguration());
      for (FileStatus day : fs.listStatus(new org.apache.hadoop.fs.Path("s3a://pinterest/clean"))) {
        if (day.getPath().getName().startsWith("date=")) {
          out.println("    " + day.getPath());
        }
      }
      try (ServingLayer serving =
          ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())) {
        serving.refresh();
        QueryResult view =
            serving.query(
                "SELECT category, pins, followers FROM pins_per_category ORDER BY category");
        out.println();
        out.println("  The pins_per_category view, served from S3 and the speed layer:");
        view.rows()
            .forEach(
                r ->
                    out.printf(
                        Locale.ROOT,
                        "    %-16s %5s pins %,14d followers%n",
                        r.get(0),
                        r.get(1),
                        ((Number) r.get(2)).longValue()));
      }
      out.println();
      out.println(
          "  Dead letters (with reasons) under s3a://pinterest/lambda/dead-letters; the S3 server,"
              + " PostgreSQL and Kafka stop now and their data goes.");
      out.printf(
          Locale.ROOT,
          "  Demo took %.0f s.%n",
          Duration.between(begin, Instant.now()).toMillis() / 1000.0);
    } finally {
      steps.stop();
      ShutdownHooks.remove(stopper);
    }
  }

  private Pipeline pipeline(String bootstrap) throws Exception {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    Map<String, String> overrides = new LinkedHashMap<>();
    overrides.put("sources.pins.bootstrap-servers", bootstrap);
    overrides.put("ingest.bootstrap-servers", bootstrap);
    overrides.put("ingest.port", String.valueOf(freePort()));
    overrides.put("speed.trigger", "available-now");
    Path checkpoints = Path.of("target/pinterest-demo/checkpoints");
    DemoSteps.deleteRecursively(checkpoints);
    overrides.put("speed.checkpoint-root", checkpoints.toString());
    overrides.put("embedded-s3.secret-key", java.util.UUID.randomUUID().toString());
    return new PipelineLoader(PluginRegistry.discover(loader), loader)
        .load(conf, overrides, Set.of(ExecutionMode.BATCH, ExecutionMode.STREAMING));
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

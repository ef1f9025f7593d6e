package io.lambdaflow.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdaflow.status.SpeedStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bin/benchmark [all|batch|speed|serving|jdbc|start] [--events N] [--runs N] [--rates
 * 5000,20000] [--seconds N] [--batch-rows N] [--speed-rows N] [--lookups N] [--jdbc-rows N]
 * [--jdbc-runs N] [--start-runs N] [--out DIR]}: runs the benchmarks side by side in one JVM and
 * one Spark session, prints a table per benchmark with where each target stands, and writes {@code
 * results.json}, {@code results.md} and {@code latencies.png} under {@code benchmarks/results/} (or
 * --out).
 */
public final class Benchmarks {
  private Benchmarks() {}

  /** Everything one invocation measured; absent parts are null. */
  record Report(
      List<BatchBenchmark.Result> batch,
      List<SpeedBenchmark.RateResult> speed,
      ServingBenchmark.Result serving,
      JdbcBenchmark.Result jdbc,
      List<StartBenchmark.Variant> start) {}

  public static void main(String[] args) throws Exception {
    String which = args.length > 0 && !args[0].startsWith("--") ? args[0] : "all";
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].startsWith("--") && i + 1 < args.length) {
        options.put(args[i], args[++i]);
      }
    }
    Path out = Path.of(options.getOrDefault("--out", "benchmarks/results"));
    Path work = Files.createTempDirectory("lambda-bench-");
    SparkSession spark =
        SparkSession.builder()
            .master(options.getOrDefault("--master", "local[*]"))
            .appName("lambda benchmarks")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.session.timeZone", "UTC")
            // as reference.conf: the local disk without a process per file, streaming checkpoints
            // without checksum files
            .config("spark.hadoop.fs.file.impl", "io.lambdaflow.hadoop.NioLocalFileSystem")
            .config(
                "spark.hadoop.fs.AbstractFileSystem.file.impl",
                "io.lambdaflow.hadoop.NioRawLocalFs")
            .getOrCreate();
    try {
      Report report = run(spark, which, options, work);
      String markdown = MarkdownReport.of(report);
      System.out.print(markdown);
      write(out, report, markdown);
    } finally {
      spark.stop();
      deleteQuietly(work);
    }
  }

  static Report run(SparkSession spark, String which, Map<String, String> options, Path work)
      throws Exception {
    boolean all = which.equals("all");
    List<BatchBenchmark.Result> batch = null;
    List<SpeedBenchmark.RateResult> speed = null;
    ServingBenchmark.Result serving = null;
    if (all || which.equals("batch")) {
      batch =
          BatchBenchmark.run(
              spark,
              new BatchBenchmark.Settings(
                  Long.parseLong(options.getOrDefault("--events", "1000000")),
                  Integer.parseInt(options.getOrDefault("--runs", "3")),
                  !options.getOrDefault("--kafka", "true").equals("false"),
                  work.resolve("batch")));
    }
    if (all || which.equals("speed")) {
      speed =
          SpeedBenchmark.run(
              spark,
              new SpeedBenchmark.Settings(
                  Arrays.stream(options.getOrDefault("--rates", "10000,30000,50000").split(","))
                      .map(Integer::parseInt)
                      .toList(),
                  Integer.parseInt(options.getOrDefault("--seconds", "20")),
                  options.getOrDefault("--trigger", "200 milliseconds"),
                  work.resolve("speed")));
    }
    if (all || which.equals("serving")) {
      serving =
          ServingBenchmark.run(
              spark,
              new ServingBenchmark.Settings(
                  Long.parseLong(options.getOrDefault("--batch-rows", "1000000")),
                  Integer.parseInt(options.getOrDefault("--speed-rows", "10000")),
                  Integer.parseInt(options.getOrDefault("--lookups", "2000")),
                  Integer.parseInt(options.getOrDefault("--spark-lookups", "50")),
                  work.resolve("serving")));
    }
    JdbcBenchmark.Result jdbc = null;
    if (all || which.equals("jdbc")) {
      jdbc =
          JdbcBenchmark.run(
              spark,
              new JdbcBenchmark.Settings(
                  Long.parseLong(options.getOrDefault("--jdbc-rows", "1000000")),
                  Integer.parseInt(options.getOrDefault("--jdbc-runs", "3")),
                  work.resolve("jdbc")));
    }
    List<StartBenchmark.Variant> start = null;
    int startRuns = Integer.parseInt(options.getOrDefault("--start-runs", "3"));
    if ((all || which.equals("start")) && startRuns > 0) { // bin/lambda, so from the checkout
      start = StartBenchmark.run(startRuns, work.resolve("start"));
    }
    return new Report(batch, speed, serving, jdbc, start);
  }

  static void write(Path out, Report report, String markdown) throws IOException {
    Files.createDirectories(out);
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("at", Instant.now().toString());
    root.put("cores", Runtime.getRuntime().availableProcessors());
    if (report.batch() != null) {
      ArrayNode batch = root.putArray("batch");
      for (BatchBenchmark.Result r : report.batch()) {
        ObjectNode node = batch.addObject();
        node.put("source", r.source());
        node.put("events", r.events());
        node.put("bytes", r.bytes());
        r.framework().forEach(node.putArray("frameworkSeconds")::add);
        r.handWritten().forEach(node.putArray("handWrittenSeconds")::add);
        r.ratios().forEach(node.putArray("ratios")::add);
        r.parseOnly().forEach(node.putArray("sparkParseOnlySeconds")::add);
        r.decodeOnly().forEach(node.putArray("frameworkDecodeOnlySeconds")::add);
        r.readOnly().forEach(node.putArray("readOnlySeconds")::add);
        node.put("decoderSpeedup", r.fromJsonDecodeSeconds() / r.decoderSeconds());
      }
    }
    if (report.jdbc() != null) {
      ObjectNode node = root.putObject("jdbc");
      node.put("rows", report.jdbc().rows());
      report.jdbc().ours().forEach(node.putArray("sinkAppendSeconds")::add);
      report.jdbc().spark().forEach(node.putArray("sparkAppendSeconds")::add);
      report.jdbc().upsert().forEach(node.putArray("sinkUpsertSeconds")::add);
      node.put("appendSpeedup", report.jdbc().speedup());
    }
    if (report.start() != null) {
      ArrayNode start = root.putArray("start");
      for (StartBenchmark.Variant v : report.start()) {
        ObjectNode node = start.addObject();
        node.put("variant", v.name());
        v.wall().forEach(node.putArray("wallSeconds")::add);
        v.afterJvm().forEach(node.putArray("afterJvmSeconds")::add);
        v.run().forEach(node.putArray("runSeconds")::add);
      }
    }
    List<Latencies> plotted = new ArrayList<>();
    if (report.speed() != null) {
      ArrayNode speed = root.putArray("speed");
      for (SpeedBenchmark.RateResult r : report.speed()) {
        ObjectNode node = latencies(speed.addObject(), r.latencies());
        node.put("rate", r.rate());
        node.put("produced", r.produced());
        node.put("probesSeen", r.probesSeen());
        node.put("probesSent", r.probesSent());
        node.put("latencyGrowthMillisPerSecond", r.growth());
        node.put("sustained", r.sustained());
        ObjectNode phases = node.putObject("medianPhaseMillis");
        r.medianPhases().forEach(phases::put);
        ArrayNode batches = node.putArray("microBatches");
        for (SpeedStatus.MicroBatch b : r.microBatches()) {
          ObjectNode batch = batches.addObject();
          batch.put("batchId", b.batchId());
          batch.put("inputRows", b.inputRows());
          batch.put("durationMillis", b.durationMs());
          b.phases().forEach(batch.putObject("phaseMillis")::put);
        }
        if (r.latencies().count() > 0) {
          plotted.add(r.latencies());
        }
      }
    }
    if (report.serving() != null) {
      ObjectNode serving = root.putObject("serving");
      serving.put("batchRows", report.serving().settings().batchRows());
      serving.put("speedRows", report.serving().settings().speedRows());
      serving.put("duckdbLoadMillis", report.serving().loadMillis());
      ArrayNode list = serving.putArray("latencies");
      report.serving().latencies().forEach(l -> latencies(list.addObject(), l));
      Plot.cdf(
          "Serving latency, merged view of "
              + String.format(Locale.ROOT, "%,d", report.serving().settings().batchRows())
              + " batch rows (cumulative)",
          report.serving().latencies(),
          out.resolve("serving-latency.png"));
    }
    if (report.speed() != null) {
      SpeedBenchmark.RateResult shown =
          report.speed().stream()
              .filter(r -> r.rate() == 10_000)
              .findFirst()
              .orElse(report.speed().get(0));
      Plot.phases(
          String.format(
              Locale.ROOT, "Speed layer at %,d events/s: micro-batch time by phase", shown.rate()),
          shown.microBatches(),
          out.resolve("speed-phases.png"));
    }
    if (!plotted.isEmpty()) {
      Plot.cdf(
          "Speed layer: produce → served (cumulative)", plotted, out.resolve("speed-latency.png"));
    }
    Files.writeString(
        out.resolve("results.json"),
        json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    Files.writeString(out.resolve("results.md"), markdown);
  }

  private static ObjectNode latencies(ObjectNode node, Latencies l) {
    node.put("operation", l.name());
    node.put("calls", l.count());
    node.put("p50Millis", l.p50());
    node.put("p95Millis", l.p95());
    node.put("p99Millis", l.p99());
    node.put("maxMillis", l.max());
    return node;
  }

  private static void deleteQuietly(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    List<Path> paths = new ArrayList<>();
    try (var walk = Files.walk(dir)) {
      walk.forEach(paths::add);
    }
    for (int i = paths.size() - 1; i >= 0; i--) {
      Files.deleteIfExists(paths.get(i));
    }
  }
}

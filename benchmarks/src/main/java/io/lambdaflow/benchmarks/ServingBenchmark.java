package io.lambdaflow.benchmarks;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.serving.HttpApi;
import io.lambdaflow.serving.ServingLayer;
import io.lambdaflow.spi.Horizon;
import io.lambdaflow.testkit.TestPipelines;
import io.lambdaflow.views.Published;
import io.lambdaflow.views.SpeedBatch;
import io.lambdaflow.views.ViewStore;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Serving: key lookups and an aggregate query over a merged aggregate view (a batch view of {@code
 * batchRows} groups plus {@code speedRows} speed rows past its horizon), on the default DuckDB
 * engine (in process and through the HTTP API) and on Spark SQL, side by side in one run.
 */
public final class ServingBenchmark {

  /** Sizes and repetitions. */
  public record Settings(long batchRows, int speedRows, int lookups, int sparkLookups, Path work) {}

  /** The outcome: one latency line per measured operation. */
  public record Result(Settings settings, double loadMillis, List<Latencies> latencies) {}

  /** Speed micro-batches added after the first measurements, each followed by a refresh. */
  static final int REFRESHES = 20;

  /** Lookups warm up with this many times the calls they measure. */
  static final int LOOKUP_WARM_UP = 5;

  private ServingBenchmark() {}

  public static Result run(SparkSession spark, Settings settings) throws Exception {
    Path store = settings.work().resolve("store");
    Pipeline pipeline = pipeline(store);
    ViewStore lambda = pipeline.openStore(spark.sparkContext().hadoopConfiguration());
    long hosts = Math.max(1, settings.batchRows() / 10);
    writeBatchView(spark, lambda, settings.batchRows(), hosts);
    writeSpeedView(spark, lambda, settings.batchRows(), settings.speedRows(), hosts);

    List<Latencies> latencies = new ArrayList<>();
    Random random = new Random(42);
    double loadMillis;
    try (ServingLayer duck =
            ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration());
        ServingLayer sparkSql = ServingLayer.withSpark(pipeline, spark)) {
      long start = System.nanoTime();
      duck.refresh();
      loadMillis = (System.nanoTime() - start) / 1e6;
      sparkSql.refresh();
      checkSameAnswers(duck, sparkSql, hosts);

      latencies.add(
          measure(
              "key lookup, duckdb",
              LOOKUP_WARM_UP * settings.lookups(),
              settings.lookups(),
              () -> lookup(duck, random, hosts)));
      latencies.add(
          measure(
              "aggregate query, duckdb",
              Math.max(5, settings.lookups() / 50),
              () -> aggregate(duck)));
      try (HttpApi api = HttpApi.start(duck, "127.0.0.1", 0)) {
        // A blocking HTTP/1.1 client with keep-alive (the JDK's HttpURLConnection), as a service
        // making lookups uses one: no hand-over between threads on the client's side.
        latencies.add(
            measure(
                "key lookup, duckdb via HTTP",
                LOOKUP_WARM_UP * settings.lookups(),
                settings.lookups(),
                () -> {
                  HttpURLConnection connection =
                      (HttpURLConnection)
                          URI.create(
                                  api.url() + "/views/per_host?host=host" + random.nextLong(hosts))
                              .toURL()
                              .openConnection();
                  try (InputStream body =
                      connection.getResponseCode() == 200
                          ? connection.getInputStream()
                          : connection.getErrorStream()) {
                    byte[] answer = body.readAllBytes();
                    if (connection.getResponseCode() != 200) {
                      throw new IllegalStateException(new String(answer, StandardCharsets.UTF_8));
                    }
                  }
                }));
      }
      latencies.add(
          measure(
              "key lookup, spark", settings.sparkLookups(), () -> lookup(sparkSql, random, hosts)));
      latencies.add(
          measure(
              "aggregate query, spark",
              Math.max(3, settings.sparkLookups() / 5),
              () -> aggregate(sparkSql)));
      latencies.addAll(refreshes(spark, lambda, duck, settings, hosts));
      latencies.add(
          measure(
              "aggregate query, duckdb, after the refreshes",
              Math.max(5, settings.lookups() / 50),
              () -> aggregate(duck)));
      latencies.add(
          measure(
              "key lookup, duckdb, after the refreshes",
              settings.lookups(),
              () -> lookup(duck, random, hosts)));
      sparkSql.refresh();
      checkSameAnswers(duck, sparkSql, hosts);
    }
    return new Result(settings, loadMillis, latencies);
  }

  /**
   * The refresh after each of {@link #REFRESHES} more speed micro-batches (a tenth of the speed
   * rows each, so the speed part grows to three times its size): the merged view updated for the
   * keys the micro-batch changed, not built again; meanwhile another thread makes lookups, timed
   * too.
   */
  private static List<Latencies> refreshes(
      SparkSession spark, ViewStore store, ServingLayer duck, Settings settings, long hosts)
      throws Exception {
    int rows = Math.max(1, settings.speedRows() / 10);
    double[] millis = new double[REFRESHES];
    List<Double> during = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean done = new AtomicBoolean();
    Random random = new Random(7);
    AtomicReference<RuntimeException> failed = new AtomicReference<>();
    Thread lookups =
        new Thread(
            () -> {
              try {
                do {
                  long start = System.nanoTime();
                  lookup(duck, random, hosts);
                  during.add((System.nanoTime() - start) / 1e6);
                } while (!done.get());
              } catch (RuntimeException e) {
                failed.set(e);
              }
            },
            "benchmark-lookups");
    lookups.start();
    try {
      for (int i = 0; i < millis.length; i++) {
        long from = settings.speedRows() + (long) rows * i;
        writeSpeedBatch(spark, store, settings.batchRows(), from, from + rows, hosts, 10 + i);
        long start = System.nanoTime();
        if (!duck.refresh()) {
          throw new IllegalStateException("the refresh found no new micro-batch");
        }
        millis[i] = (System.nanoTime() - start) / 1e6;
      }
    } finally {
      done.set(true);
      lookups.join();
    }
    if (failed.get() != null) {
      throw failed.get();
    }
    return List.of(
        Latencies.of(
            String.format(
                Locale.ROOT,
                "refresh after a micro-batch of %,d more speed rows (speed part %,d to %,d), duckdb",
                rows,
                settings.speedRows(),
                settings.speedRows() + (long) rows * REFRESHES),
            millis),
        Latencies.of(
            "key lookup, duckdb, during the refreshes",
            during.stream().mapToDouble(Double::doubleValue).toArray()));
  }

  private static void lookup(ServingLayer serving, Random random, long hosts) {
    QueryResult result =
        serving.lookup("per_host", Map.of("host", "host" + random.nextLong(hosts)), 100);
    if (result.rows().isEmpty()) {
      throw new IllegalStateException("a lookup found nothing");
    }
  }

  private static void aggregate(ServingLayer serving) {
    serving.query(
        "SELECT event_type, SUM(events) AS events, SUM(spent) AS spent FROM per_host GROUP BY"
            + " event_type");
  }

  private static void checkSameAnswers(ServingLayer duck, ServingLayer sparkSql, long hosts) {
    for (long host : new long[] {0, hosts / 2, hosts - 1}) {
      Map<String, String> key = Map.of("host", "host" + host);
      List<String> a = sorted(duck.lookup("per_host", key, 100));
      List<String> b = sorted(sparkSql.lookup("per_host", key, 100));
      if (!a.equals(b) || a.isEmpty()) {
        throw new IllegalStateException("engines disagree on host" + host + ": " + a + " vs " + b);
      }
    }
  }

  private static List<String> sorted(QueryResult result) {
    List<String> rows = new ArrayList<>();
    result.rows().forEach(r -> rows.add(r.toString()));
    rows.sort(null);
    return rows;
  }

  /** Measures {@code count} calls after a warm-up of a tenth as many. */
  static Latencies measure(String name, int count, Call call) throws Exception {
    return measure(name, Math.max(3, count / 10), count, call);
  }

  /**
   * Measures {@code count} calls after {@code warmUp} calls: lookups, cheap and many, warm up with
   * {@link #LOOKUP_WARM_UP} times as many as they measure, so the JIT has compiled their path
   * (Jetty, Jackson, DuckDB's JDBC driver), as in a service that has been up a while.
   */
  static Latencies measure(String name, int warmUp, int count, Call call) throws Exception {
    for (int i = 0; i < warmUp; i++) {
      call.run();
    }
    double[] millis = new double[count];
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      call.run();
      millis[i] = (System.nanoTime() - start) / 1e6;
    }
    return Latencies.of(name, millis);
  }

  /** One measured call. */
  @FunctionalInterface
  interface Call {
    void run() throws Exception;
  }

  private static Pipeline pipeline(Path store) throws ConfigurationException {
    String hocon =
        "name = bench\n"
            + "layers = [batch, speed]\n"
            + "storage-root = "
            + TestPipelines.quoted(store)
            + "\n"
            + "metastore.enabled = false\n"
            + "sources.events { type = files, format = json, path = "
            + TestPipelines.quoted(store.resolve("input"))
            + ", schema = \"host STRING, event_type STRING, amount BIGINT\" }\n"
            + "views.per_host {\n"
            + "  type = aggregate\n"
            + "  group-by = [host, event_type]\n"
            + "  measures { events = count, spent = \"sum(amount)\", mean = \"avg(amount)\" }\n"
            + "}\n";
    return TestPipelines.loader().parse(hocon, "bench.conf", Map.of(), Set.of());
  }

  private static void writeBatchView(SparkSession spark, ViewStore store, long rows, long hosts) {
    Dataset<Row> view =
        spark
            .range(rows)
            .select(
                concat(lit("host"), col("id").mod(hosts)).alias("host"),
                concat(lit("type"), expr("CAST(id DIV " + hosts + " AS STRING)"))
                    .alias("event_type"),
                expr("1 + id % 7").alias("events"),
                expr("id % 100").alias("spent"),
                expr("CAST(id % 100 AS DOUBLE) / (1 + id % 7)").alias("mean"),
                expr("CAST(id % 100 AS DOUBLE)").alias("_lambda_mean_sum"),
                expr("1 + id % 7").alias("_lambda_mean_count"));
    String path = store.batchView("per_host", 1).toString();
    view.write().mode("overwrite").parquet(path);
    store.publish(
        new Published(
            1,
            "benchmark",
            Instant.now(),
            Map.of("events", new Horizon(Map.of("events/0", rows))),
            Map.of(
                "per_host", new Published.BatchView(path, rows, Arrays.asList(view.columns())))));
  }

  private static void writeSpeedView(
      SparkSession spark, ViewStore store, long horizon, int rows, long hosts) {
    int batches = 10;
    for (int b = 0; b < batches; b++) {
      writeSpeedBatch(
          spark,
          store,
          horizon,
          (long) rows * b / batches,
          (long) rows * (b + 1) / batches,
          hosts,
          b);
    }
  }

  /** Speed micro-batch {@code batch}: the events {@code from} to {@code to} past the horizon. */
  private static void writeSpeedBatch(
      SparkSession spark,
      ViewStore store,
      long horizon,
      long from,
      long to,
      long hosts,
      int batch) {
    Dataset<Row> part =
        spark
            .range(from, to)
            .select(
                concat(lit("host"), expr("(id * 7919) % " + hosts)).alias("host"),
                concat(lit("type"), expr("CAST(id % 10 AS STRING)")).alias("event_type"),
                expr("id % 100").alias("_lambda_in_spent"),
                expr("id % 100").alias("_lambda_in_mean"),
                lit("events").alias("_lambda_source"),
                lit("events/0").alias("_lambda_partition"),
                expr(horizon + " + id").alias("_lambda_offset"));
    part.coalesce(1)
        .write()
        .mode("overwrite")
        .parquet(store.speedBatchAside("per_host", batch).toString());
    Map<String, Map<String, Long>> max = new LinkedHashMap<>();
    max.put("events", Map.of("events/0", horizon + to - 1));
    store.commitSpeedBatch(
        "per_host",
        new SpeedBatch(batch, "", to - from, List.of("host", "event_type"), max, Instant.now()));
  }
}

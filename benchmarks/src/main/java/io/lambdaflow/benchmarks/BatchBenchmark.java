package io.lambdaflow.benchmarks;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.records.RecordParser;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.testkit.TestPipelines;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Batch: game events (~250-byte JSON lines, a realistic mix of hosts and event types, about 1%
 * malformed) parsed with an explicit schema, filtered to purchases and written to Parquet, with the
 * malformed ones written as dead letters: once through the framework (config only) and once through
 * a hand-written Spark job doing the same, same session and settings, runs alternating. From files
 * and from Kafka.
 */
public final class BatchBenchmark {
  static final String SCHEMA =
      "event_type STRING, Host STRING, `User-Agent` STRING, Accept STRING, session_id STRING,"
          + " amount INT, level INT, ts STRING, referrer STRING";

  /** Sizes and repetitions. */
  public record Settings(long events, int runs, boolean kafka, Path work) {}

  /** One source's result: the durations of each run, in seconds, and the input size. */
  /**
   * @param parseOnly Spark reading and parsing the same input with nothing else (a no-op sink):
   *     from_json's own speed
   * @param decodeOnly the same with the framework's JSON decoder (its strict syntax check and dead
   *     letter reasons included), alternating with parseOnly
   * @param readOnly reading the same lines into the no-op sink, undecoded: subtracted from both to
   *     compare the decoding alone
   */
  public record Result(
      String source,
      long events,
      long bytes,
      List<Double> framework,
      List<Double> handWritten,
      List<Double> parseOnly,
      List<Double> decodeOnly,
      List<Double> readOnly) {

    public double readOnlyMedian() {
      return median(readOnly);
    }

    /** Seconds {@code from_json} spends decoding, the reading subtracted (medians). */
    public double fromJsonDecodeSeconds() {
      return parseOnlyMedian() - readOnlyMedian();
    }

    /** Seconds the framework's decoder spends, the reading subtracted (medians). */
    public double decoderSeconds() {
      return decodeOnlyMedian() - readOnlyMedian();
    }

    public double parseOnlyMedian() {
      return median(parseOnly);
    }

    public double decodeOnlyMedian() {
      return median(decodeOnly);
    }

    public double frameworkMedian() {
      return median(framework);
    }

    public double handWrittenMedian() {
      return median(handWritten);
    }

    /** Framework time over hand-written time, per alternating pair. */
    public List<Double> ratios() {
      List<Double> ratios = new ArrayList<>();
      for (int i = 0; i < Math.min(framework.size(), handWritten.size()); i++) {
        ratios.add(framework.get(i) / handWritten.get(i));
      }
      return ratios;
    }
  }

  private BatchBenchmark() {}

  public static List<Result> run(SparkSession spark, Settings settings) throws Exception {
    Path input = settings.work().resolve("input");
    long bytes =
        writeEvents(
            input, settings.events(), Math.max(2, Runtime.getRuntime().availableProcessors() * 2));
    List<Result> results = new ArrayList<>();
    results.add(
        alternate(
            spark,
            settings,
            "files",
            bytes,
            framework(
                spark,
                "sources.events { type = files, format = text, path = "
                    + TestPipelines.quoted(input)
                    + " }\n",
                settings.work().resolve("fw-files")),
            () ->
                handWritten(
                    spark.read().text(input.toString()).withColumn("position", input_file_name()),
                    settings.work().resolve("hw-files")),
            () -> parseOnly(spark.read().text(input.toString())),
            () -> decodeOnly(spark.read().text(input.toString())),
            () -> readOnly(spark.read().text(input.toString()))));
    if (settings.kafka()) {
      try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
        int partitions = Math.max(2, Runtime.getRuntime().availableProcessors());
        kafka.createTopic("events", partitions);
        produce(kafka.bootstrapServers(), input);
        String bootstrap = kafka.bootstrapServers();
        results.add(
            alternate(
                spark,
                settings,
                "kafka",
                bytes,
                framework(
                    spark,
                    "sources.events { type = kafka, bootstrap-servers = \""
                        + bootstrap
                        + "\", topic = events, columns = [] }\n",
                    settings.work().resolve("fw-kafka")),
                () ->
                    handWritten(kafkaLines(spark, bootstrap), settings.work().resolve("hw-kafka")),
                () -> parseOnly(kafkaLines(spark, bootstrap).select("value")),
                () -> decodeOnly(kafkaLines(spark, bootstrap).select("value")),
                () -> readOnly(kafkaLines(spark, bootstrap).select("value"))));
      }
    }
    return results;
  }

  /** The topic's values as text, with each record's position, as a Spark engineer reads them. */
  private static Dataset<Row> kafkaLines(SparkSession spark, String bootstrap) {
    return spark
        .read()
        .format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", "events")
        .option("startingOffsets", "earliest")
        .option("endingOffsets", "latest")
        .load()
        .select(
            col("value").cast("string").alias("value"),
            concat(col("topic"), lit("/"), col("partition"), lit("@"), col("offset"))
                .alias("position"));
  }

  /** A job to time. */
  @FunctionalInterface
  interface Job {
    void run() throws Exception;
  }

  private static Result alternate(
      SparkSession spark,
      Settings settings,
      String source,
      long bytes,
      Job framework,
      Job handWritten,
      Job parseOnly,
      Job decodeOnly,
      Job readOnly)
      throws Exception {
    // One warm-up of each: JIT, Spark's code generation caches, the file system cache.
    framework.run();
    handWritten.run();
    List<Double> fw = new ArrayList<>();
    List<Double> hw = new ArrayList<>();
    // ABBA order: whichever runs second in a pair profits from caches the first one warmed.
    for (int i = 0; i < settings.runs(); i++) {
      if (i % 2 == 0) {
        fw.add(time(framework));
        hw.add(time(handWritten));
      } else {
        hw.add(time(handWritten));
        fw.add(time(framework));
      }
    }
    parseOnly.run();
    decodeOnly.run();
    readOnly.run();
    List<Double> parse = new ArrayList<>();
    List<Double> decode = new ArrayList<>();
    List<Double> read = new ArrayList<>();
    List<Job> order = new ArrayList<>(List.of(readOnly, parseOnly, decodeOnly));
    for (int i = 0; i < settings.runs(); i++) { // with 3 runs, each first, middle and last once
      for (Job job : order) {
        double seconds = time(job);
        (job == readOnly ? read : job == parseOnly ? parse : decode).add(seconds);
      }
      order.add(order.remove(0));
    }
    return new Result(source, settings.events(), bytes, fw, hw, parse, decode, read);
  }

  private static double time(Job job) throws Exception {
    System.gc(); // neither side pays for the other's garbage
    long start = System.nanoTime();
    job.run();
    return (System.nanoTime() - start) / 1e9;
  }

  /** The framework, config only: parse-json with a schema, a filter, Parquet, dead letters. */
  private static Job framework(SparkSession spark, String source, Path out) throws Exception {
    String hocon =
        "name = bench\n"
            + "layers = [batch]\n"
            + "storage-root = "
            + TestPipelines.quoted(out)
            + "\n"
            + source
            + "transforms = [\n"
            + "  { type = parse-json, schema = \""
            + SCHEMA.replace("\"", "\\\"")
            + "\", required = [event_type] }\n"
            + "  { type = filter, condition = \"event_type LIKE 'purchase%'\" }\n"
            + "]\n"
            + "sinks.purchases { type = files, format = parquet, mode = overwrite, path = "
            + TestPipelines.quoted(out.resolve("purchases"))
            + " }\n"
            + "dead-letter { type = files, format = json, mode = overwrite, path = "
            + TestPipelines.quoted(out.resolve("dead-letters"))
            + " }\n";
    Pipeline pipeline =
        TestPipelines.loader().parse(hocon, "bench.conf", Map.of(), Set.of(ExecutionMode.BATCH));
    return () -> {
      RunSummary summary = new BatchLayer(spark).run(pipeline);
      if (summary.deadLetters() == 0) {
        throw new IllegalStateException("the benchmark data has malformed lines; none were found");
      }
    };
  }

  /**
   * The same by hand, as a Spark engineer would write it: from_json with the corrupt-record column,
   * the parsed data cached, good rows filtered to Parquet, bad rows to JSON with the same
   * information the framework's dead letters carry (where each came from, and why).
   */
  private static void handWritten(Dataset<Row> lines, Path out) {
    StructType schema =
        StructType.fromDDL(SCHEMA).add("_corrupt_record", DataTypes.StringType, true);
    Dataset<Row> parsed =
        lines
            .select(
                col("value"),
                col("position"),
                from_json(
                        col("value"),
                        schema,
                        Map.of(
                            "columnNameOfCorruptRecord", "_corrupt_record", "mode", "PERMISSIVE"))
                    .alias("e"))
            .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Column bad = col("e._corrupt_record").isNotNull().or(col("e.event_type").isNull());
      parsed
          .where(bad.unary_$bang().and(col("e.event_type").like("purchase%")))
          .select("e.*")
          .drop("_corrupt_record")
          .write()
          .mode("overwrite")
          .parquet(out.resolve("purchases").toString());
      parsed
          .where(bad)
          .select(
              lit("bench").alias("pipeline"),
              col("position"),
              col("value").alias("raw"),
              when(col("e._corrupt_record").isNotNull(), lit("malformed JSON"))
                  .otherwise(lit("required field 'event_type' is missing or null"))
                  .alias("reason"),
              current_timestamp().alias("rejected_at"))
          .write()
          .mode("overwrite")
          .json(out.resolve("dead-letters").toString());
    } finally {
      parsed.unpersist();
    }
  }

  /** Spark's JSON parsing of {@code lines} alone, into the no-op sink. */
  /** The lines alone, undecoded, into the no-op sink. */
  private static void readOnly(Dataset<Row> lines) {
    lines.write().format("noop").mode("overwrite").save();
  }

  private static void parseOnly(Dataset<Row> lines) {
    lines
        .select(from_json(col("value"), StructType.fromDDL(SCHEMA)).alias("e"))
        .select("e.*")
        .write()
        .format("noop")
        .mode("overwrite")
        .save();
  }

  /**
   * The framework's JSON decoding of {@code lines} alone, into the no-op sink: the parse-json
   * transform's parser, with its strict syntax check and its dead letters' reasons computed (the
   * dead letters themselves not written).
   */
  private static void decodeOnly(Dataset<Row> lines) {
    RecordParser.json(StructType.fromDDL(SCHEMA), Map.of())
        .requiring(List.of("event_type"))
        .parse(lines, col("value"), List.of(), deadLetters -> {}, d -> d)
        .write()
        .format("noop")
        .mode("overwrite")
        .save();
  }

  /** Writes {@code events} lines over {@code files} files; returns the bytes written. */
  static long writeEvents(Path dir, long events, int files) throws IOException {
    Files.createDirectories(dir);
    String[] hosts = new String[50];
    for (int i = 0; i < hosts.length; i++) {
      hosts[i] =
          "user" + i + (i % 3 == 0 ? ".comcast.com" : i % 3 == 1 ? ".att.com" : ".google.com");
    }
    String[] types = {
      "default",
      "default",
      "default",
      "default",
      "purchase_sword",
      "purchase_sword",
      "purchase_knife",
      "join_guild",
      "level_up",
      "logout"
    };
    String[] agents = {
      "ApacheBench/2.3",
      "curl/7.88.1",
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
    };
    Random random = new Random(1);
    long bytes = 0;
    for (int f = 0; f < files; f++) {
      try (BufferedWriter out =
          Files.newBufferedWriter(dir.resolve("events-" + f + ".jsonl"), StandardCharsets.UTF_8)) {
        for (long n = f; n < events; n += files) {
          String line =
              random.nextInt(100) == 0
                  ? "{\"event_type\": \"purchase_sword\", \"Host\": broken " + n
                  : String.format(
                      Locale.ROOT,
                      "{\"event_type\":\"%s\",\"Host\":\"%s\",\"User-Agent\":\"%s\",\"Accept\":\"*/*\","
                          + "\"session_id\":\"%016x\",\"amount\":%d,\"level\":%d,"
                          + "\"ts\":\"2026-11-%02dT%02d:%02d:%02dZ\","
                          + "\"referrer\":\"https://games.example.com/realm/%d/quest/%d\"}",
                      types[random.nextInt(types.length)],
                      hosts[random.nextInt(hosts.length)],
                      agents[random.nextInt(agents.length)],
                      random.nextLong(),
                      random.nextInt(1000),
                      random.nextInt(80),
                      1 + random.nextInt(28),
                      random.nextInt(24),
                      random.nextInt(60),
                      random.nextInt(60),
                      random.nextInt(1000),
                      random.nextInt(100000));
          out.write(line);
          out.write('\n');
          bytes += line.length() + 1;
        }
      }
    }
    return bytes;
  }

  private static void produce(String bootstrap, Path dir) throws IOException {
    try (KafkaProducer<String, String> producer =
            new KafkaProducer<>(
                Map.of(
                    "bootstrap.servers",
                    bootstrap,
                    "linger.ms",
                    20,
                    "batch.size",
                    262144,
                    "compression.type",
                    "lz4"),
                new StringSerializer(),
                new StringSerializer());
        var files = Files.list(dir)) {
      for (Path file : files.sorted().toList()) {
        try (var lines = Files.lines(file)) {
          lines.forEach(line -> producer.send(new ProducerRecord<>("events", line)));
        }
      }
      producer.flush();
    }
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}

package io.lambdaflow.examples.gtfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.cli.Launcher;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.embedded.EmbeddedRegistry;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelinePlanner;
import io.lambdaflow.serving.ServingLayer;
import io.lambdaflow.speed.RunningPipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.testkit.TestPipelines;
import io.lambdaflow.testkit.TestServices;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * conf/gtfs.conf end to end with its staging area and results on HDFS (Hadoop's mini-cluster): the
 * sample feed's dimension tables staged, its stop times produced to Kafka as CSV (and as Avro
 * through a real schema registry), a batch run and the speed layer; every stop time produced is an
 * enriched row or a dead letter, both layers enrich alike, the view and the metastore's tables
 * answer; the same file runs unchanged on another feed without frequencies.txt.
 */
@ExtendWith(TestServices.class)
class GtfsEndToEndTest {
  static final String COLUMNS = "trip_id,arrival_time,departure_time,stop_id,stop_sequence";
  private static final Path FEEDS = Path.of("data");
  private static final Path CONF = Path.of("../../conf/gtfs.conf");

  private static EmbeddedKafka kafka;
  private static MiniDFSCluster hdfs;
  private static SparkSession spark;

  @TempDir static Path dir;

  @BeforeAll
  static void start(EmbeddedKafka broker, SparkSession session) throws Exception {
    kafka = broker;
    spark = session;
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
    hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    hdfs.waitActive();
  }

  @AfterAll
  static void stop() {
    if (hdfs != null) {
      hdfs.shutdown();
    }
  }

  /** The seed's staging layout: a folder per dimension table on HDFS, the feed's file inside. */
  private static String stage(String name, String feed) throws Exception {
    return stage(name, FEEDS.resolve(feed));
  }

  private static String stage(String name, Path feed) throws Exception {
    String root = "hdfs://127.0.0.1:" + hdfs.getNameNodePort() + "/transit/" + name;
    FileSystem fs =
        FileSystem.get(java.net.URI.create(root), spark.sparkContext().hadoopConfiguration());
    for (String table : List.of("trips", "calendar_dates", "frequencies")) {
      Path file = feed.resolve(table + ".txt");
      if (Files.exists(file)) {
        fs.copyFromLocalFile(
            new org.apache.hadoop.fs.Path(file.toAbsolutePath().toString()),
            new org.apache.hadoop.fs.Path(root + "/staging/" + table + "/" + table + ".txt"));
      }
    }
    return root;
  }

  private static Map<String, String> overrides(String root, String topic) {
    Map<String, String> overrides = new HashMap<>();
    overrides.put("storage-root", root);
    overrides.put("sources.stop_times.bootstrap-servers", kafka.bootstrapServers());
    overrides.put("sources.stop_times.topic", topic);
    overrides.put("speed.trigger", "available-now");
    overrides.put("metastore.database", "gtfs_" + topic);
    overrides.put("metastore.derby-path", dir.resolve("metastore_db").toString());
    overrides.put("serving.cache-dir", dir.resolve("cache-" + topic).toString());
    return overrides;
  }

  static String produce(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of("produce", "--bootstrap", kafka.bootstrapServers()));
    all.addAll(List.of(args));
    int status =
        new Launcher(
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8))
            .run(all.toArray(String[]::new));
    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    return err.toString(StandardCharsets.UTF_8);
  }

  /** The feed's stop times: each data line's fields. */
  private static List<String[]> stopTimes(String feed) throws Exception {
    List<String> lines =
        Files.readAllLines(FEEDS.resolve(feed).resolve("stop_times.txt"), StandardCharsets.UTF_8);
    return lines.subList(1, lines.size()).stream().map(l -> l.split(",", -1)).toList();
  }

  /** Departures per route and hour over the good stop times: what the view must hold. */
  private static List<String> departures(List<String[]> rows, Map<String, String> routeOfTrip) {
    Map<String, Integer> counts = new TreeMap<>();
    for (String[] row : rows) {
      String route = routeOfTrip.get(row[0]);
      if (route != null && row[4].matches("\\d+")) {
        counts.merge(route + "|" + Integer.parseInt(row[2].split(":")[0]), 1, Integer::sum);
      }
    }
    List<String> text = new ArrayList<>();
    counts.forEach((k, v) -> text.add(k + "|" + v));
    return text;
  }

  private static Map<String, String> routes(String feed) throws Exception {
    List<String> lines =
        Files.readAllLines(FEEDS.resolve(feed).resolve("trips.txt"), StandardCharsets.UTF_8);
    List<String> header = List.of(lines.get(0).replace("\uFEFF", "").split(","));
    Map<String, String> routes = new HashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      routes.put(f[header.indexOf("trip_id")], f[header.indexOf("route_id")]);
    }
    return routes;
  }

  private static List<String> served(Pipeline pipeline) throws Exception {
    try (ServingLayer serving =
        ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())) {
      serving.refresh();
      List<String> rows = new ArrayList<>();
      for (List<Object> row :
          serving.query("SELECT route_id, hour, departures FROM departures").rows()) {
        rows.add(row.get(0) + "|" + row.get(1) + "|" + row.get(2));
      }
      rows.sort(null);
      return rows;
    }
  }

  private static List<String> enrichedByTheBatchLayersPlan(Pipeline pipeline) {
    return PipelinePlanner.withoutMetadata(
            PipelinePlanner.plan(
                    pipeline, spark, ExecutionMode.BATCH, new PipelinePlanner.Hooks() {})
                .outputs()
                .get("enriched_stop_time"))
        .orderBy("trip_id", "stop_sequence")
        .collectAsList()
        .stream()
        .map(Row::toString)
        .toList();
  }

  private static long stopTimeDeadLetters(String root) throws Exception {
    org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(root + "/dead-letters");
    if (!folder.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(folder)) {
      return 0;
    }
    return spark
        .read()
        .schema("stage STRING, reason STRING")
        .json(folder.toString())
        .where("stage IN ('stop_times', 'enriched_stop_time')")
        .count();
  }

  private static void speed(Pipeline pipeline) throws Exception {
    try (RunningPipeline running = new SpeedLayer(spark).start(pipeline)) {
      running.awaitTermination();
    }
  }

  @Test
  void csvStopTimesOnHdfsAreEnrichedAlikeByBothLayersOrAreDeadLetters() throws Exception {
    String root = stage("stm", "stm-sample");
    kafka.createTopic("stop_times", 2);
    List<String[]> produced = stopTimes("stm-sample");
    assertThat(
            produce(
                "--topic",
                "stop_times",
                "--file",
                FEEDS.resolve("stm-sample/stop_times.txt").toString(),
                "--format",
                "csv",
                "--columns",
                COLUMNS))
        .contains("produced " + produced.size() + " record(s)");
    Pipeline pipeline =
        TestPipelines.loader()
            .load(
                CONF,
                overrides(root, "stop_times"),
                Set.of(ExecutionMode.BATCH, ExecutionMode.STREAMING));

    RunSummary batch = new BatchLayer(spark).run(pipeline);
    assertThat(batch.recordsIn()).containsEntry("stop_times", (long) produced.size());
    assertThat(batch.recordsOut()).containsEntry("enriched_trip", 16L);
    assertThat(batch.deadLetters()).isEqualTo(2);
    List<String> reasons =
        spark.read().json(root + "/dead-letters").orderBy("reason").collectAsList().stream()
            .map(r -> r.<String>getAs("stage") + ": " + r.<String>getAs("reason"))
            .toList();
    assertThat(reasons)
        .containsExactlyInAnyOrder(
            "enriched_stop_time: no row of 'enriched_trip' with trip_id = 'NO_SUCH_TRIP'",
            "stop_times: CSV value does not match its type in trip_id STRING,arrival_time"
                + " STRING,departure_time STRING,stop_id STRING,stop_sequence INT");

    speed(pipeline);
    List<String> bySpeed =
        spark
            .read()
            .format("avro")
            .load(root + "/enriched_stop_time")
            .orderBy("trip_id", "stop_sequence")
            .collectAsList()
            .stream()
            .map(Row::toString)
            .toList();
    List<String> byBatch = enrichedByTheBatchLayersPlan(pipeline);
    assertThat(bySpeed).hasSize(produced.size() - 2).isEqualTo(byBatch);
    assertThat(bySpeed.get(0))
        .isEqualTo(
            "[10_25N_SA_0_003,11:02:00,11:02:30,51009,1,10,25N_SA,Angrignon,0,20261205,2,480]");

    List<String> expected = departures(produced, routes("stm-sample"));
    assertThat(served(pipeline)).isEqualTo(expected);
    assertThat(
            spark.sql("SELECT count(*) FROM gtfs_stop_times.master_stop_times").first().getLong(0))
        .isEqualTo(produced.size() - 1); // decoded: all but the one that is not CSV of the schema
    assertThat(
            spark.sql("SELECT sum(departures) FROM gtfs_stop_times.departures").first().getLong(0))
        .isEqualTo(produced.size() - 2);
  }

  @Test
  void avroStopTimesThroughTheRegistryEnrichTheSameWay() throws Exception {
    String root = stage("avro", "stm-sample");
    kafka.createTopic("stop_times_avro", 1);
    Path schema =
        Files.writeString(
            dir.resolve("stop_time.avsc"),
            "{\"type\":\"record\",\"name\":\"StopTime\",\"fields\":[{\"name\":\"trip_id\",\"type\":"
                + "\"string\"},{\"name\":\"arrival_time\",\"type\":\"string\"},{\"name\":"
                + "\"departure_time\",\"type\":\"string\"},{\"name\":\"stop_id\",\"type\":"
                + "\"string\"},{\"name\":\"stop_sequence\",\"type\":\"int\"}]}");
    // Avro cannot carry the sample's stop_sequence 'second': the producer stops at it, so it is
    // left out.
    List<String> lines =
        Files.readAllLines(FEEDS.resolve("stm-sample/stop_times.txt")).stream()
            .filter(l -> !l.endsWith(",second"))
            .toList();
    Path file = Files.write(dir.resolve("stop_times_avro.txt"), lines);
    try (EmbeddedRegistry registry = EmbeddedRegistry.start(0)) {
      produce(
          "--topic",
          "stop_times_avro",
          "--file",
          file.toString(),
          "--format",
          "avro",
          "--avro-schema",
          schema.toString(),
          "--schema-registry",
          registry.url());
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(
              Map.of("bootstrap.servers", kafka.bootstrapServers()),
              new ByteArraySerializer(),
              new ByteArraySerializer())) {
        producer
            .send(
                new ProducerRecord<>(
                    "stop_times_avro",
                    ByteBuffer.allocate(9).put((byte) 0).putInt(4242).putInt(7).array()))
            .get();
        producer
            .send(
                new ProducerRecord<>(
                    "stop_times_avro", "a,CSV,line".getBytes(StandardCharsets.UTF_8)))
            .get();
      }
      String text =
          Files.readString(CONF)
              .replaceAll(
                  "value-format = csv\\n\\s*schema = \"[^\"]*\"",
                  "value-format = avro\n    avro-schema = \"\"\""
                      + Files.readString(schema)
                      + "\"\"\"\n    schema-registry-url = \""
                      + registry.url()
                      + "\"");
      Pipeline pipeline =
          TestPipelines.loader()
              .parse(
                  text,
                  "gtfs-avro.conf",
                  overrides(root, "stop_times_avro"),
                  Set.of(ExecutionMode.BATCH, ExecutionMode.STREAMING));
      speed(pipeline);
      long enriched = spark.read().format("avro").load(root + "/enriched_stop_time").count();
      List<String> reasons =
          spark.read().json(root + "/dead-letters").orderBy("reason").collectAsList().stream()
              .map(r -> r.<String>getAs("reason"))
              .toList();
      assertThat(enriched + reasons.size())
          .as("in = out + dead letters")
          .isEqualTo(lines.size() - 1 + 2);
      assertThat(enriched).isEqualTo(lines.size() - 2);
      assertThat(reasons)
          .containsExactly(
              "no row of 'enriched_trip' with trip_id = 'NO_SUCH_TRIP'",
              "not in the Confluent wire format: the first byte is 0x61, not the magic byte 0",
              "schema id 4242 is unknown to the schema registry at " + registry.url());
    }
  }

  /**
   * The file runs unchanged on another feed placed in its input folder: by default the shipped
   * small-town feed (no frequencies.txt, another shape), with its exact rows; {@code
   * -Dgtfs.feed=DIR} runs it on any unzipped GTFS feed, checked against the feed's own files.
   */
  @Test
  void theSamePipelineRunsOnAnotherFeedPlacedInItsInputFolder() throws Exception {
    String given = System.getProperty("gtfs.feed", "");
    Path folder = given.isBlank() ? FEEDS.resolve("small-town") : Path.of(given);
    FeedFiles feed = new FeedFiles(folder);
    String root = stage("other", folder);
    kafka.createTopic("stop_times_other", 1);
    assertThat(
            produce(
                "--topic",
                "stop_times_other",
                "--file",
                folder.resolve("stop_times.txt").toString(),
                "--format",
                "csv",
                "--columns",
                COLUMNS))
        .contains("produced " + feed.stopTimes() + " record(s)");
    Pipeline pipeline =
        TestPipelines.loader()
            .load(
                CONF,
                overrides(root, "stop_times_other"),
                Set.of(ExecutionMode.BATCH, ExecutionMode.STREAMING));
    RunSummary batch = new BatchLayer(spark).run(pipeline);
    int enrichable = feed.enrichable().size();
    assertThat(batch.recordsIn()).containsEntry("stop_times", (long) feed.stopTimes());
    assertThat(batch.recordsOut()).containsEntry("enriched_trip", (long) feed.rows("trips").size());
    // A feed's own flaws in its dimension files (one real feed has a UTF-16 frequencies.txt) are
    // dead letters of those sources; every stop time is enriched or a dead letter of its own.
    assertThat(stopTimeDeadLetters(root)).isEqualTo(feed.stopTimes() - enrichable);
    assertThat(served(pipeline)).isEqualTo(feed.departures());
    speed(pipeline);
    assertThat(spark.read().format("avro").load(root + "/enriched_stop_time").count())
        .isEqualTo(enrichable);
    if (given.isBlank()) {
      assertThat(
              spark
                  .read()
                  .parquet(root + "/enriched_trip")
                  .orderBy("trip_id")
                  .collectAsList()
                  .stream()
                  .map(Row::toString)
                  .toList())
          .containsExactly(
              "[T1,R1,WK,Downtown,0,20261207,1,null]",
              "[T2,R1,WK,Uptown,1,20261207,1,null]",
              "[T3,R2,WE,Harbour,0,20261205,2,null]");
      assertThat(served(pipeline)).isEqualTo(List.of("R1|6|3", "R1|7|3", "R2|8|3"));
    }
  }
}

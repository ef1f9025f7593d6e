package io.lambdaflow.serving;

import static io.lambdaflow.serving.LambdaContract.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.speed.RunningPipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.testkit.GameEvents;
import io.lambdaflow.testkit.TestPipelines;
import io.lambdaflow.testkit.TestServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lambda contract over a join with a dimension (hosts → region, a CSV file marked {@code
 * dimension = true}), while the dimension changes. What an answer uses, as documented: a record the
 * published batch view covers carries the region of the dimension version that batch run read; a
 * record only the speed layer has seen carries the version cached when its micro-batch ran.
 */
@ExtendWith(TestServices.class)
class DimensionInvariantTest {
  private static final String PER_REGION_SQL =
      "SELECT region, event_type, events, spent FROM per_region";
  private static EmbeddedKafka kafka;
  private static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start(EmbeddedKafka broker, SparkSession session) {
    kafka = broker;
    spark = session;
  }

  private Pipeline pipeline(String topic, String refresh, Map<String, String> overrides) {
    String hocon =
        GameEvents.hocon(kafka.bootstrapServers(), topic, dir.resolve("store"))
                .replace("transforms = [{ type = filter, condition = \"amount >= 0\" }]\n", "")
                .replaceAll("(?s)views \\{.*", "")
            + "sources.hosts {\n"
            + "  type = files, format = csv, header = true, dimension = true\n"
            + "  path = "
            + TestPipelines.quoted(dir.resolve("hosts"))
            + "\n"
            + "  schema = \"host STRING, region STRING\"\n"
            + "  refresh = "
            + refresh
            + "\n"
            + "}\n"
            + "transforms = [{ name = enriched, type = sql, inputs = [events, hosts], query ="
            + " \"SELECT e.*, coalesce(h.region, 'nowhere') AS region FROM events e LEFT JOIN"
            + " hosts h ON e.host = h.host\" }]\n"
            + "views.per_region { type = aggregate, group-by = [region, event_type],"
            + " measures { events = count, spent = \"sum(amount)\" } }\n";
    return LambdaContract.pipeline(hocon, overrides);
  }

  /** Writes version {@code version} of the dimension: each host's region, one file replaced. */
  private Map<String, String> writeHosts(int version) throws Exception {
    Map<String, String> regions = new TreeMap<>();
    for (int i = 0; i < GameEvents.HOSTS.length; i++) {
      if ((i + version) % 4 != 3) { // now and then a host the dimension does not know
        regions.put(GameEvents.HOSTS[i], "region" + ((i + version) % 2) + "v" + version);
      }
    }
    Path folder = dir.resolve("hosts");
    Files.createDirectories(folder);
    try (var old = Files.list(folder)) {
      for (Path file : old.toList()) {
        Files.delete(file);
      }
    }
    StringBuilder csv = new StringBuilder("host,region\n");
    regions.forEach((host, region) -> csv.append(host).append(',').append(region).append('\n'));
    Files.writeString(folder.resolve("hosts-v" + version + ".csv"), csv.toString());
    return regions;
  }

  /** The per_region view over {@code events}, each with the region its version gives it. */
  private static List<String> perRegion(
      List<GameEvents.Event> events, List<Map<String, String>> of) {
    Map<String, long[]> groups = new TreeMap<>();
    for (int i = 0; i < events.size(); i++) {
      GameEvents.Event e = events.get(i);
      if (e.malformed()) {
        continue;
      }
      String region = of.get(i).getOrDefault(e.host(), "nowhere");
      long[] g = groups.computeIfAbsent(region + "|" + e.type(), k -> new long[2]);
      g[0]++;
      g[1] += e.amount();
    }
    List<String> rows = new ArrayList<>();
    groups.forEach((k, g) -> rows.add(k + "|" + g[0] + "|" + g[1]));
    rows.sort(null);
    return rows;
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {17})
  void answersUseTheDimensionVersionOfTheLayerThatServesEachRecord(long seed) throws Exception {
    Random random = new Random(seed);
    String topic = "regions_" + seed;
    kafka.createTopic(topic, 2);
    Pipeline pipeline = pipeline(topic, "10 minutes", Map.of());
    int version = 0;
    Map<String, String> current = writeHosts(version);
    Map<String, String> batchVersion = Map.of();
    List<GameEvents.Event> produced = new ArrayList<>();
    List<Map<String, String>> speedVersion = new ArrayList<>(); // by event, once speed saw it
    int batchSeen = 0;
    int seen = 0;
    List<String> steps = new ArrayList<>();
    try (ServingLayer serving =
        ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())) {
      for (int step = 0; step < 10; step++) {
        switch (step == 0 ? 0 : random.nextInt(4)) {
          case 0 -> {
            List<GameEvents.Event> events =
                GameEvents.events(random, produced.size(), 5 + random.nextInt(30));
            GameEvents.produce(kafka.bootstrapServers(), topic, events);
            produced.addAll(events);
            steps.add("produce " + events.size());
          }
          case 1 -> {
            new BatchLayer(spark).run(pipeline);
            batchSeen = produced.size();
            seen = produced.size();
            batchVersion = current;
            steps.add("batch");
          }
          case 2 -> {
            try (RunningPipeline speed = new SpeedLayer(spark).start(pipeline)) {
              speed.awaitTermination();
            }
            while (speedVersion.size() < produced.size()) {
              speedVersion.add(current);
            }
            seen = produced.size();
            steps.add("speed");
          }
          default -> {
            current = writeHosts(++version);
            steps.add("dimension v" + version);
          }
        }
        if (seen == 0) {
          continue;
        }
        List<Map<String, String>> versions = new ArrayList<>();
        for (int n = 0; n < seen; n++) {
          versions.add(n < batchSeen ? batchVersion : speedVersion.get(n));
        }
        serving.refresh();
        assertThat(text(serving.query(PER_REGION_SQL)))
            .as("seed %d after %s", seed, steps)
            .isEqualTo(perRegion(produced.subList(0, seen), versions));
      }
    }
  }

  /**
   * A running speed layer reads a dimension again by its {@code refresh}: records of the
   * micro-batches after the dimension's file was replaced carry the new version, the earlier ones
   * keep theirs.
   */
  @Test
  void aRunningSpeedLayerJoinsLaterMicroBatchesWithTheRefreshedVersion() throws Exception {
    kafka.createTopic("regions_live", 2);
    Map<String, String> overrides = new HashMap<>();
    overrides.put("speed.trigger", "200 milliseconds");
    Pipeline pipeline = pipeline("regions_live", "0 seconds", overrides);
    Map<String, String> first = writeHosts(0);
    Random random = new Random(99);
    List<GameEvents.Event> early = GameEvents.events(random, 0, 40);
    List<GameEvents.Event> late = GameEvents.events(random, 40, 40);
    List<GameEvents.Event> all = new ArrayList<>(early);
    all.addAll(late);
    try (RunningPipeline speed = new SpeedLayer(spark).start(pipeline);
        ServingLayer serving =
            ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())) {
      GameEvents.produce(kafka.bootstrapServers(), "regions_live", early);
      List<String> before = perRegion(early, repeat(first, early.size()));
      awaitAnswer(serving, before);

      Map<String, String> second = writeHosts(1);
      GameEvents.produce(kafka.bootstrapServers(), "regions_live", late);
      List<Map<String, String>> versions = new ArrayList<>(repeat(first, early.size()));
      versions.addAll(repeat(second, late.size()));
      awaitAnswer(serving, perRegion(all, versions));
    }
  }

  private static List<Map<String, String>> repeat(Map<String, String> version, int times) {
    List<Map<String, String>> versions = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      versions.add(version);
    }
    return versions;
  }

  private static void awaitAnswer(ServingLayer serving, List<String> expected) {
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(300))
        .ignoreException(IllegalArgumentException.class) // nothing served yet
        .untilAsserted(
            () -> {
              serving.refresh();
              assertThat(text(serving.query(PER_REGION_SQL))).isEqualTo(expected);
            });
  }
}

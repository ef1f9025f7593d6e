package io.lambdaflow.serving;

import static io.lambdaflow.serving.LambdaContract.text;
import static io.lambdaflow.testkit.GameEvents.PER_HOST_SQL;
import static io.lambdaflow.testkit.GameEvents.PURCHASES_SQL;
import static io.lambdaflow.testkit.GameEvents.perHost;
import static io.lambdaflow.testkit.GameEvents.purchases;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.speed.SupervisedPipeline;
import io.lambdaflow.testkit.GameEvents;
import io.lambdaflow.testkit.TestServices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The invariant on a running system: events are produced continuously, the speed layer streams
 * them, batch runs publish at random moments, the serving layer refreshes on its own, and queries
 * at random moments must each equal the view computed directly over exactly the records the answer
 * says it covers (per partition, every offset below its end). {@code -Dlambda.invariant.checks=N}
 * runs more checks per seed and engine.
 */
@ExtendWith(TestServices.class)
class ConcurrentInvariantTest {
  private static EmbeddedKafka kafka;
  private static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start(EmbeddedKafka broker, SparkSession session) {
    kafka = broker;
    spark = session;
  }

  /** An event and where Kafka put it. */
  private record Placed(GameEvents.Event event, String partition, long offset) {}

  // Spark SQL answers take 1-2 s: one seed, 20 checks (several batch runs publish meanwhile).
  @ParameterizedTest(name = "seed {0}, {1}, {2} checks")
  @CsvSource({"5, duckdb, 50", "8, duckdb, 50", "5, spark, 20"})
  void everyAnswerEqualsTheViewOverExactlyTheRecordsItCovers(
      long seed, String engine, int defaultChecks) throws Exception {
    String topic = "concurrent_" + seed + "_" + engine;
    kafka.createTopic(topic, 2);
    Pipeline pipeline =
        LambdaContract.pipeline(
            GameEvents.hocon(kafka.bootstrapServers(), topic, dir.resolve("store")),
            Map.of(
                "speed.trigger", "300 milliseconds",
                "serving.refresh-interval", "200 milliseconds",
                "serving.retain-superseded", "15 seconds"));
    Random random = new Random(seed);
    ConcurrentLinkedQueue<Placed> placed = new ConcurrentLinkedQueue<>();
    AtomicInteger batchRuns = new AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<Exception> failure =
        new java.util.concurrent.atomic.AtomicReference<>();
    int checks = Integer.getInteger("lambda.invariant.checks", defaultChecks);
    ScheduledThreadPoolExecutor background = new ScheduledThreadPoolExecutor(2);
    // At the end, a batch run under way finishes (interrupted, Spark's tasks would go on writing
    // into the temporary folder JUnit is deleting); none starts after.
    background.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    try (KafkaProducer<String, String> producer =
            new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
                new StringSerializer(),
                new StringSerializer());
        SupervisedPipeline speed = new SpeedLayer(spark).run(pipeline);
        ServingLayer serving =
            engine.equals("duckdb")
                ? ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())
                : ServingLayer.withSpark(pipeline, spark)) {
      Random produceRandom = new Random(seed + 1);
      long[] next = {0};
      background.scheduleWithFixedDelay(
          () -> produce(producer, topic, produceRandom, next, placed),
          0,
          50,
          TimeUnit.MILLISECONDS);
      Random batchRandom = new Random(seed + 2);
      background.schedule(
          new Runnable() {
            @Override
            public void run() {
              try {
                new BatchLayer(spark).run(pipeline);
              } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
                return;
              }
              batchRuns.incrementAndGet();
              if (!background.isShutdown()) {
                background.schedule(this, 1000 + batchRandom.nextInt(4000), TimeUnit.MILLISECONDS);
              }
            }
          },
          1000 + batchRandom.nextInt(3000),
          TimeUnit.MILLISECONDS);
      serving.start();

      int checked = 0;
      while (checked < checks) {
        await()
            .pollDelay(Duration.ofMillis(50 + random.nextInt(300)))
            .atMost(Duration.ofSeconds(5))
            .until(() -> true);
        if (serving.views().size() < 2) {
          continue; // nothing published or streamed for both views yet
        }
        String sql = random.nextBoolean() ? PER_HOST_SQL : PURCHASES_SQL;
        Answer answer = serving.answer(sql);
        assertThat(failure.get()).as("a batch run failed").isNull();
        String view = sql.equals(PER_HOST_SQL) ? "per_host" : "purchases";
        Map<String, Long> ends = ends(answer.covers().get(view));
        // The producer notes an offset when Kafka acknowledged it, which can be after the speed
        // layer read it: wait until every offset the answer covers is noted.
        await().atMost(Duration.ofSeconds(10)).until(() -> noted(placed, ends));
        List<GameEvents.Event> covered = covered(placed, ends);
        List<String> expected = sql.equals(PER_HOST_SQL) ? perHost(covered) : purchases(covered);
        List<String> actual = text(answer.result());
        assertThat(actual)
            .as(
                "check %d (%s), covering %s; %s",
                checked,
                view,
                answer.covers().get(view),
                actual.equals(expected) ? "" : diagnose(placed, expected, actual, serving, view))
            .isEqualTo(expected);
        checked++;
      }
      assertThat(batchRuns.get()).as("batch runs published meanwhile").isGreaterThan(0);
    } finally {
      background.shutdown();
      assertThat(background.awaitTermination(5, TimeUnit.MINUTES)).isTrue();
    }
  }

  private static void produce(
      KafkaProducer<String, String> producer,
      String topic,
      Random random,
      long[] next,
      ConcurrentLinkedQueue<Placed> placed) {
    List<GameEvents.Event> events = GameEvents.events(random, next[0], 1 + random.nextInt(8));
    next[0] += events.size();
    try {
      for (GameEvents.Event event : events) {
        RecordMetadata where =
            producer.send(new ProducerRecord<>(topic, event.host(), event.json())).get();
        placed.add(new Placed(event, topic + "/" + where.partition(), where.offset()));
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Where the rows that differ came from, and what the view was served from. */
  private static String diagnose(
      ConcurrentLinkedQueue<Placed> placed,
      List<String> expected,
      List<String> actual,
      ServingLayer serving,
      String view) {
    Map<Long, Placed> byNumber = new java.util.HashMap<>();
    placed.forEach(p -> byNumber.put(p.event().n(), p));
    StringBuilder text = new StringBuilder();
    for (String side : List.of("extra", "missing")) {
      List<String> rows = new ArrayList<>(side.equals("extra") ? actual : expected);
      rows.removeAll(side.equals("extra") ? expected : actual);
      text.append(side).append(": ");
      for (String row : rows) {
        String first = row.substring(0, row.indexOf('|'));
        Placed p = first.matches("\\d+") ? byNumber.get(Long.parseLong(first)) : null;
        text.append(p == null ? row : p.partition() + "@" + p.offset()).append(' ');
      }
      text.append("; ");
    }
    serving
        .view(view)
        .ifPresent(
            s ->
                text.append("served now: run ")
                    .append(s.published().run())
                    .append(" horizons ")
                    .append(s.published().horizons())
                    .append(" speed batches ")
                    .append(
                        s.speedBatches().stream()
                            .map(b -> b.batchId() + "=" + b.maxOffsets())
                            .toList()));
    return text.toString();
  }

  /** Each partition's end, from an answer's coverage of one view (one source). */
  private static Map<String, Long> ends(Map<String, Map<String, Long>> covers) {
    Map<String, Long> ends = new ConcurrentHashMap<>();
    if (covers != null) {
      covers.values().forEach(ends::putAll);
    }
    return ends;
  }

  /** Whether every offset below each end has been noted (offsets start at 0, without gaps). */
  private static boolean noted(ConcurrentLinkedQueue<Placed> placed, Map<String, Long> ends) {
    Map<String, Long> counts = new java.util.HashMap<>();
    for (Placed p : placed) {
      if (p.offset() < ends.getOrDefault(p.partition(), 0L)) {
        counts.merge(p.partition(), 1L, Long::sum);
      }
    }
    return ends.entrySet().stream()
        .allMatch(e -> counts.getOrDefault(e.getKey(), 0L).equals(e.getValue()));
  }

  /** The events below each partition's end. */
  private static List<GameEvents.Event> covered(
      ConcurrentLinkedQueue<Placed> placed, Map<String, Long> ends) {
    List<GameEvents.Event> events = new ArrayList<>();
    for (Placed p : placed) {
      if (p.offset() < ends.getOrDefault(p.partition(), 0L)) {
        events.add(p.event());
      }
    }
    return events;
  }
}

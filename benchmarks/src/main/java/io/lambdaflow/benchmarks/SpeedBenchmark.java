package io.lambdaflow.benchmarks;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.serving.ServingLayer;
import io.lambdaflow.speed.RunningPipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.status.SpeedStatus;
import io.lambdaflow.testkit.TestPipelines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.SparkSession;

/**
 * Speed: events produced at a fixed rate into the embedded broker; the end-to-end latency of probe
 * events (one in a hundred) from being produced to being visible in the served view, with the speed
 * layer and the serving layer (DuckDB, refreshed continuously) running as in production. A rate is
 * sustained when every probe arrives and latency does not grow while events are produced.
 */
public final class SpeedBenchmark {

  /** Rates to try, seconds of traffic at each, the speed trigger. */
  public record Settings(List<Integer> rates, int seconds, String trigger, Path work) {}

  /**
   * One rate's outcome.
   *
   * @param growth how fast latency grew while events were produced, in milliseconds per second of
   *     traffic (the least-squares slope of latency over send time): a speed layer that keeps up
   *     stays near 0; one that falls behind at a rate r with throughput c grows by (r/c - 1) s/s
   * @param sustained all probes seen and latency growing by at most {@link #SUSTAINED_GROWTH}
   * @param microBatches the speed layer's micro-batches with where their time went (its status)
   */
  public record RateResult(
      int rate,
      long produced,
      Latencies latencies,
      int probesSeen,
      int probesSent,
      double growth,
      boolean sustained,
      List<SpeedStatus.MicroBatch> microBatches) {

    /** The median milliseconds of each phase over the micro-batches that read rows. */
    public Map<String, Double> medianPhases() {
      Map<String, List<Double>> byPhase = new LinkedHashMap<>();
      for (SpeedStatus.MicroBatch batch : microBatches) {
        batch
            .phases()
            .forEach((k, v) -> byPhase.computeIfAbsent(k, x -> new ArrayList<>()).add((double) v));
      }
      Map<String, Double> medians = new LinkedHashMap<>();
      byPhase.forEach((k, v) -> medians.put(k, BatchBenchmark.median(v)));
      return medians;
    }
  }

  /** The latency growth, in ms per second of traffic, up to which a rate counts as sustained. */
  public static final double SUSTAINED_GROWTH = 50;

  private SpeedBenchmark() {}

  public static List<RateResult> run(SparkSession spark, Settings settings) throws Exception {
    List<RateResult> results = new ArrayList<>();
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      // A first, shorter run at the lowest rate warms the JVM (class loading, code generation, JIT)
      // and is not reported: the rates are measured in the steady state a long-running speed layer
      // is in.
      int warmup = Math.max(2, settings.seconds() / 4);
      runRate(spark, kafka, settings.rates().get(0), warmup, "warmup", settings);
      for (int rate : settings.rates()) {
        results.add(runRate(spark, kafka, rate, settings.seconds(), "speed_" + rate, settings));
      }
    }
    return results;
  }

  private static RateResult runRate(
      SparkSession spark,
      EmbeddedKafka kafka,
      int rate,
      int seconds,
      String topic,
      Settings settings)
      throws Exception {
    kafka.createTopic(topic, 2);
    Path store = settings.work().resolve(topic);
    String hocon =
        "name = speedbench\n"
            + "layers = [speed]\n"
            + "storage-root = "
            + TestPipelines.quoted(store)
            + "\n"
            + "speed.trigger = \""
            + settings.trigger()
            + "\"\n"
            + "metastore.enabled = false\n"
            + "serving.refresh-interval = 100 milliseconds\n"
            // every probe in one answer: 10,000 at 50,000 events/s for 20 s
            + "serving.max-rows = 1000000\n"
            + "sources.events { type = kafka, bootstrap-servers = \""
            + kafka.bootstrapServers()
            + "\", topic = "
            + topic
            + ", value-format = json, schema = \"id BIGINT, sent_at BIGINT, host STRING,"
            + " probe BOOLEAN\", columns = [], starting-offsets = earliest }\n"
            + "views {\n"
            + "  probes { type = append, filter = \"probe\", columns = [id, sent_at] }\n"
            + "  per_host { type = aggregate, group-by = [host], measures { events = count } }\n"
            + "}\n";
    Pipeline pipeline =
        TestPipelines.loader()
            .parse(hocon, "speed.conf", Map.of(), Set.of(ExecutionMode.STREAMING));
    List<long[]> seen = new ArrayList<>(); // {sent_at, latency}
    Set<Long> seenIds = new HashSet<>();
    long produced;
    int probesSent;
    try (RunningPipeline speed = new SpeedLayer(spark).start(pipeline);
        ServingLayer serving =
            ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())) {
      awaitServing(kafka.bootstrapServers(), topic, serving);
      AtomicBoolean producing = new AtomicBoolean(true);
      long[] counts = new long[2];
      Thread producer =
          new Thread(
              () -> {
                counts[0] = produce(kafka.bootstrapServers(), topic, rate, seconds, counts);
                producing.set(false);
              },
              "bench-producer");
      producer.start();
      long stopAt = Long.MAX_VALUE;
      while (true) {
        serving.refresh();
        long now = System.currentTimeMillis();
        try {
          QueryResult probes = serving.query("SELECT id, sent_at FROM probes WHERE id >= 0");
          for (List<Object> row : probes.rows()) {
            long id = (Long) row.get(0);
            if (seenIds.add(id)) {
              long sentAt = (Long) row.get(1);
              seen.add(new long[] {sentAt, now - sentAt});
            }
          }
        } catch (IllegalArgumentException e) {
          // no speed output yet
        }
        if (!producing.get() && stopAt == Long.MAX_VALUE) {
          stopAt = System.currentTimeMillis() + 15_000;
        }
        if (!producing.get()
            && (seenIds.size() >= counts[1] || System.currentTimeMillis() > stopAt)) {
          break;
        }
        LockSupport.parkNanos(20_000_000L);
      }
      producer.join();
      produced = counts[0];
      probesSent = (int) counts[1];
    }
    seen.sort((a, b) -> Long.compare(a[0], b[0]));
    double[] millis = seen.stream().mapToDouble(s -> s[1]).toArray();
    Latencies latencies =
        millis.length == 0
            ? new Latencies(rate + "/s", 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, millis)
            : Latencies.of(rate + " events/s", millis);
    double growth = Double.NaN;
    if (seen.size() >= 6) {
      double meanX = seen.stream().mapToDouble(p -> p[0]).average().orElseThrow();
      double meanY = seen.stream().mapToDouble(p -> p[1]).average().orElseThrow();
      double covariance = 0;
      double variance = 0;
      for (long[] probe : seen) {
        covariance += (probe[0] - meanX) * (probe[1] - meanY);
        variance += (probe[0] - meanX) * (probe[0] - meanX);
      }
      growth = variance == 0 ? Double.NaN : covariance / variance * 1000;
    }
    boolean sustained = seenIds.size() >= probesSent && growth <= SUSTAINED_GROWTH;
    List<SpeedStatus.MicroBatch> batches =
        SpeedStatus.read(store.toString(), spark.sparkContext().hadoopConfiguration())
            .microBatches()
            .stream()
            .filter(b -> !b.phases().isEmpty())
            .toList();
    return new RateResult(
        rate, produced, latencies, seenIds.size(), probesSent, growth, sustained, batches);
  }

  /**
   * Produces one event and waits until it is served: the speed layer's query has started and run a
   * micro-batch, and the serving layer serves its views. Latency is then measured in the steady
   * state a long-running speed layer is in, not over a new query's first micro-batches (planning
   * and compiling its plans take seconds once, and the backlog they leave takes a few micro-batches
   * more to clear).
   */
  private static void awaitServing(String bootstrap, String topic, ServingLayer serving) {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", bootstrap),
            new StringSerializer(),
            new StringSerializer())) {
      producer.send(
          new ProducerRecord<>(
              topic,
              "{\"id\":-1,\"sent_at\":"
                  + System.currentTimeMillis()
                  + ",\"host\":\"first\",\"probe\":true}"));
    }
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      serving.refresh();
      try {
        if (!serving.query("SELECT id FROM probes WHERE id = -1").rows().isEmpty()) {
          return;
        }
      } catch (IllegalArgumentException e) {
        // no speed output yet
      }
      LockSupport.parkNanos(20_000_000L);
    }
    throw new IllegalStateException("the first event was not served within 120 s");
  }

  /**
   * Produces at {@code rate} per second for {@code seconds}; returns the count, probes in
   * counts[1].
   */
  private static long produce(
      String bootstrap, String topic, int rate, int seconds, long[] counts) {
    long total = (long) rate * seconds;
    long probes = 0;
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", bootstrap, "linger.ms", 5, "acks", "1"),
            new StringSerializer(),
            new StringSerializer())) {
      long start = System.nanoTime();
      for (long id = 0; id < total; id++) {
        long due = start + (long) (id * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        boolean probe = id % 100 == 0;
        if (probe) {
          probes++;
        }
        producer.send(
            new ProducerRecord<>(
                topic,
                "{\"id\":"
                    + id
                    + ",\"sent_at\":"
                    + System.currentTimeMillis()
                    + ",\"host\":\"user"
                    + (id % 50)
                    + ".comcast.com\",\"probe\":"
                    + probe
                    + "}"));
      }
      producer.flush();
    }
    counts[1] = probes;
    return total;
  }
}

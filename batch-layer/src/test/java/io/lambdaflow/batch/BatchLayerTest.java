package io.lambdaflow.batch;

import static io.lambdaflow.testkit.TestPipelines.batch;
import static io.lambdaflow.testkit.TestPipelines.quoted;
import static io.lambdaflow.testkit.TestPipelines.writeLines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.pipeline.ExpectationCounts;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.SinkNode;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.WriteContext;
import io.lambdaflow.testkit.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchLayerTest {
  @TempDir Path dir;

  /** 1,000 JSON lines: every 10th malformed in a different way, the rest valid. */
  private static List<String> events() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      String host = "user" + (i % 3) + ".example.com";
      switch (i % 40) {
        case 9 -> lines.add("{\"event_type\": \"purchase_sword\", \"Host\": ");
        case 19 -> lines.add("GET /purchase_a_sword HTTP/1.1");
        case 29 -> lines.add("{\"Host\": \"" + host + "\"}");
        case 39 ->
            lines.add(
                "{\"event_type\": \"default\", \"Host\": \"" + host + "\", \"amount\": \"x\"}");
        default ->
            lines.add(
                "{\"event_type\": \""
                    + (i % 2 == 0 ? "purchase_sword" : "default")
                    + "\", \"Host\": \""
                    + host
                    + "\", \"amount\": "
                    + (i % 7)
                    + "}");
      }
    }
    return lines;
  }

  private Pipeline pipeline(String extra) {
    return pipeline("[]", extra);
  }

  private Pipeline pipeline(String expectations, String extra) {
    Path input = writeLines(dir.resolve("events/events.jsonl"), events());
    return batch(
        "name = thousand\nlayers = [batch]\nstorage-root = "
            + quoted(dir.resolve("root"))
            + "\n"
            + "sources { events { type = files, format = text, path = "
            + quoted(input.getParent())
            + " } }\n"
            + "transforms = [ { type = parse-json, schema = \"event_type STRING, Host STRING, amount INT\","
            + " required = [event_type], expect = "
            + expectations
            + " } ]\n"
            + "sinks { good { type = files, format = parquet, path = "
            + quoted(dir.resolve("good"))
            + " } }\n"
            + extra);
  }

  @Test
  void goodRowsToParquetBadOnesToDeadLettersAndTheCountsAddUp() throws Exception {
    RunSummary summary = new BatchLayer(TestSpark.session()).run(pipeline(""));

    Dataset<Row> good = TestSpark.session().read().parquet(dir.resolve("good").toString());
    assertThat(good.count()).isEqualTo(900);
    assertThat(good.columns()).containsExactly("event_type", "Host", "amount");

    Dataset<Row> letters =
        TestSpark.session().read().json(dir.resolve("root/dead-letters").toString());
    Map<String, Long> byReason =
        letters
            .groupBy(functions.split(functions.col("reason"), ":").getItem(0))
            .count()
            .collectAsList()
            .stream()
            .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
    assertThat(byReason)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "malformed JSON", 50L,
                "required field 'event_type' is missing or null", 25L,
                "JSON does not match the schema event_type STRING,Host STRING,amount INT", 25L));
    Row letter = letters.filter("raw = 'GET /purchase_a_sword HTTP/1.1'").first();
    assertThat(letter.<String>getAs("position")).matches(".*/events/events\\.jsonl@\\d+");
    assertThat(letter.<String>getAs("stage")).isEqualTo("parse_json_1");
    assertThat(letter.<String>getAs("pipeline")).isEqualTo("thousand");

    assertThat(summary.recordsIn()).isEqualTo(Map.of("events", 1000L));
    assertThat(summary.recordsOut()).isEqualTo(Map.of("good", 900L));
    assertThat(summary.deadLetters()).isEqualTo(100);
    assertThat(summary.filteredOut()).isZero();
    assertThat(summary.render())
        .contains("records in           1,000  (events: 1,000)")
        .contains("records out            900  (good: 900)")
        .contains("dead letters           100  (files sink)")
        .contains("in = out + dead letters + filtered out: 1,000 = 900 + 100 + 0");

    Path saved = dir.resolve("root/runs/" + summary.runId() + "/summary.json");
    assertThat(Files.readString(saved))
        .contains("\"deadLetters\" : 100")
        .contains("\"events\" : 1000");
  }

  @Test
  void anOverwritingRunTwiceLeavesEachBadRecordOnceInTheDeadLetters() {
    Pipeline overwriting = pipeline("sinks.good.mode = overwrite\n");
    BatchLayer layer = new BatchLayer(TestSpark.session());

    layer.run(overwriting);
    RunSummary second = layer.run(overwriting);

    assertThat(second.deadLetters()).isEqualTo(100);
    assertThat(deadLetters().count()).isEqualTo(100);
    assertThat(deadLetters().select("position").distinct().count()).isEqualTo(100);
    assertThat(TestSpark.session().read().parquet(dir.resolve("good").toString()).count())
        .isEqualTo(900);

    // Appending sinks keep every run's rows, and the dead letters every run's records beside them.
    layer.run(pipeline(""));
    assertThat(deadLetters().count()).isEqualTo(200);
  }

  private Dataset<Row> deadLetters() {
    return TestSpark.session().read().json(dir.resolve("root/dead-letters").toString());
  }

  @Test
  void severalSinksEachGetTheirCount() {
    RunSummary summary =
        new BatchLayer(TestSpark.session())
            .run(
                pipeline(
                    "sinks.good.input = parse_json_1\n"
                        + "sinks { purchases { type = files, format = json, input = purchases, path = "
                        + quoted(dir.resolve("purchases"))
                        + " } }\n"
                        + "transforms += { name = purchases, type = filter, condition = \"event_type = 'purchase_sword'\" }"));
    // The even lines are the purchases, and none of them is malformed.
    assertThat(summary.recordsOut()).isEqualTo(Map.of("good", 900L, "purchases", 500L));
    assertThat(summary.deadLetters()).isEqualTo(100);
    assertThat(summary.render())
        .contains("records out       per sink  (good: 900, purchases: 500)\n")
        .doesNotContain("1,400");
  }

  @Test
  void sinksCountEveryRowTheyAreGivenWhetherSortedOrShownInPart() throws Exception {
    Pipeline pipeline =
        pipeline(
            "sinks.good.input = parse_json_1\n"
                + "transforms += { name = per_host, type = sql, input = parse_json_1, query ="
                + " \"SELECT Host, count(*) AS events FROM parse_json_1 GROUP BY Host ORDER BY"
                + " Host DESC\" }\n"
                + "transforms += { name = spread, type = sql, input = parse_json_1, query ="
                + " \"SELECT /*+ REPARTITION(4) */ Host FROM parse_json_1\" }\n"
                + "sinks { shown { type = console, input = per_host, rows = 2 } }\n"
                + "sinks { first { type = console, input = spread, rows = 1 } }\n"
                + "sinks { sorted { type = files, format = parquet, input = per_host, path = "
                + quoted(dir.resolve("sorted"))
                + " } }");
    java.io.PrintStream stdout = System.out;
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    RunSummary summary;
    try {
      System.setOut(new java.io.PrintStream(printed, true, "UTF-8"));
      summary = new BatchLayer(TestSpark.session()).run(pipeline);
    } finally {
      System.setOut(stdout);
    }

    assertThat(printed.toString("UTF-8"))
        .contains(
            """
        sink shown:
        +-----------------+------+
        |Host             |events|
        +-----------------+------+
        |user2.example.com|300   |
        |user1.example.com|300   |
        +-----------------+------+
        only showing top 2 rows
        """)
        .contains("only showing top 1 row\n");
    // Every row given counts, not only those shown, whether the sink sorts all of them (the
    // files sink: a range sort samples its input in a job of its own first) or takes a few from
    // the first of several partitions (the console).
    assertThat(summary.recordsOut())
        .isEqualTo(Map.of("good", 900L, "shown", 3L, "sorted", 3L, "first", 900L));
  }

  /**
   * A sink that counts what it is given, then waits for every other such sink to have started its
   * write, and fails (with {@code failure}) or not: written one after another, the first would wait
   * alone.
   */
  private record MeetingSink(CountDownLatch met, String failure, Map<String, String> threads)
      implements SupportsBatchWrite {
    @Override
    public void writeBatch(Dataset<Row> data, WriteContext context) {
      data.count();
      threads.put(context.sinkName(), Thread.currentThread().getName());
      met.countDown();
      try {
        if (!met.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException(context.sinkName() + " waited alone");
        }
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      if (!failure.isEmpty()) {
        throw new IllegalStateException(failure);
      }
    }
  }

  private Pipeline withMeetingSinks(
      CountDownLatch met, Map<String, String> threads, String... failures) {
    Pipeline parsed = pipeline("");
    List<SinkNode> sinks = new ArrayList<>();
    for (int i = 0; i < failures.length; i++) {
      sinks.add(
          new SinkNode(
              "s" + i,
              "meeting",
              "parse_json_1",
              new MeetingSink(met, failures[i], threads),
              "append",
              ""));
    }
    return parsed.withSinks(sinks, parsed.deadLetter());
  }

  @Test
  void aRunsSinksAreWrittenAtOnceEachCounted() {
    Map<String, String> threads = new ConcurrentHashMap<>();
    RunSummary summary =
        new BatchLayer(TestSpark.session())
            .run(withMeetingSinks(new CountDownLatch(3), threads, "", "", ""));

    assertThat(summary.recordsIn()).isEqualTo(Map.of("events", 1000L));
    assertThat(summary.recordsOut()).isEqualTo(Map.of("s0", 900L, "s1", 900L, "s2", 900L));
    assertThat(summary.deadLetters()).isEqualTo(100);
    assertThat(threads).containsEntry("s1", "lambda-sink-s1").containsEntry("s2", "lambda-sink-s2");
  }

  @Test
  void whenSinksWrittenAtOnceFailTheFirstInThePipelinesOrderIsThrown() {
    Pipeline pipeline =
        withMeetingSinks(
            new CountDownLatch(3), new ConcurrentHashMap<>(), "", "s1 refused", "s2 refused");

    assertThatThrownBy(() -> new BatchLayer(TestSpark.session()).run(pipeline))
        .isInstanceOf(PipelineRunException.class)
        .hasMessage("sink 's1' (type meeting) failed: s1 refused")
        .satisfies(
            e ->
                assertThat(e.getSuppressed())
                    .extracting(Throwable::getMessage)
                    .containsExactly("sink 's2' (type meeting) failed: s2 refused"));
  }

  @Test
  void aFailingSinkIsNamed() throws Exception {
    Path blocked = Files.writeString(dir.resolve("a-file"), "not a directory");
    Pipeline pipeline = pipeline("sinks.good.path = " + quoted(blocked.resolve("sub")) + "\n");
    assertThatThrownBy(() -> new BatchLayer(TestSpark.session()).run(pipeline))
        .isInstanceOf(PipelineRunException.class)
        .hasMessageStartingWith("sink 'good' (type files) failed: ");
  }

  @Test
  void rerunningWithOverwriteGivesTheSameOutput() throws Exception {
    Pipeline pipeline = pipeline("sinks.good.mode = overwrite\n");
    new BatchLayer(TestSpark.session()).run(pipeline);
    RunSummary second = new BatchLayer(TestSpark.session()).run(pipeline);
    assertThat(TestSpark.session().read().parquet(dir.resolve("good").toString()).count())
        .isEqualTo(900);
    assertThat(second.recordsOut()).isEqualTo(Map.of("good", 900L));
    try (Stream<Path> runs = Files.list(dir.resolve("root/runs"))) {
      assertThat(runs).hasSize(2);
    }
  }

  /** A warn, a drop and a quarantine expectation on the parsed events (see {@link #events}). */
  private static final String EXPECTATIONS =
      "[ { name = not_user0, condition = \"Host <> 'user0.example.com'\" },\n"
          + "  { name = small, condition = \"amount < 5\", on-failure = drop },\n"
          + "  { name = purchases_only, condition = \"event_type = 'purchase_sword'\","
          + " on-failure = quarantine } ]";

  @Test
  void expectationsWarnDropAndQuarantineAndTheCountsAddUp() {
    long notUser0 = 0;
    long small = 0;
    long dropped = 0;
    long quarantined = 0;
    long kept = 0;
    for (int i = 0; i < 1000; i++) {
      if (i % 40 == 9 || i % 40 == 19 || i % 40 == 29 || i % 40 == 39) {
        continue; // malformed: dead letters of the parser
      }
      notUser0 += i % 3 == 0 ? 1 : 0;
      small += i % 7 >= 5 ? 1 : 0;
      if (i % 2 == 1) {
        quarantined++; // a quarantined record that also fails 'small' is quarantined, not dropped
      } else if (i % 7 >= 5) {
        dropped++;
      } else {
        kept++;
      }
    }
    RunSummary summary = new BatchLayer(TestSpark.session()).run(pipeline(EXPECTATIONS, ""));

    Dataset<Row> good = TestSpark.session().read().parquet(dir.resolve("good").toString());
    assertThat(good.count()).isEqualTo(kept);
    assertThat(good.where("amount >= 5 OR event_type <> 'purchase_sword'").count()).isZero();
    assertThat(good.where("Host = 'user0.example.com'").count()).isPositive(); // warn keeps them
    Dataset<Row> letters =
        TestSpark.session()
            .read()
            .json(dir.resolve("root/dead-letters").toString())
            .where(
                "reason = \"expectation 'purchases_only' failed: event_type = 'purchase_sword'\"");
    assertThat(letters.count()).isEqualTo(quarantined);
    Row letter = letters.first();
    assertThat(letter.<String>getAs("stage")).isEqualTo("parse_json_1");
    assertThat(letter.<String>getAs("position")).matches(".*/events/events\\.jsonl@\\d+");
    assertThat(letter.<String>getAs("raw")).startsWith("{\"event_type\":\"default\",\"Host\":");

    assertThat(summary.expectations())
        .extracting(ExpectationCounts.Count::render)
        .containsExactly(
            String.format(Locale.ROOT, "parse_json_1.not_user0 (warn): %,d", notUser0),
            String.format(Locale.ROOT, "parse_json_1.small (drop): %,d", small),
            String.format(
                Locale.ROOT, "parse_json_1.purchases_only (quarantine): %,d", quarantined));
    assertThat(summary.dropped()).isEqualTo(dropped);
    assertThat(summary.deadLetters()).isEqualTo(100 + quarantined);
    assertThat(summary.recordsOut()).isEqualTo(Map.of("good", kept));
    assertThat(summary.render())
        .contains(
            String.format(
                Locale.ROOT,
                "in = out + dead letters + dropped + filtered out: 1,000 = %,d + %,d + %,d + 0",
                kept,
                100 + quarantined,
                dropped));
  }

  @Test
  void aFailingExpectationStopsTheRunNamingItAndTheRecord() {
    Pipeline pipeline =
        pipeline("[ { name = below_six, condition = \"amount < 6\", on-failure = fail } ]", "");
    assertThatThrownBy(() -> new BatchLayer(TestSpark.session()).run(pipeline))
        .isInstanceOf(PipelineRunException.class)
        .hasMessageMatching(
            "sink 'good' \\(type files\\) failed: data-quality expectation 'below_six' of"
                + " 'parse_json_1' failed \\(on-failure = fail\\): amount < 6; record"
                + " \\{\"event_type\":\"[a-z_]+\",\"Host\":\"user\\d.example.com\",\"amount\":6\\}");
    assertThat(Files.exists(dir.resolve("good/_SUCCESS"))).isFalse();
  }
}

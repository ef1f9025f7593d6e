package io.lambdaflow.batch;

import static io.lambdaflow.testkit.TestPipelines.batch;
import static io.lambdaflow.testkit.TestPipelines.quoted;
import static io.lambdaflow.testkit.TestPipelines.writeLines;
import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.testkit.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Good game events interleaved with every malformed shape Spark's permissive JSON reader would take
 * for data: nothing but the good lines comes out, every other line is a dead letter with a specific
 * reason, and in = out + dead letters exactly.
 */
class MalformedJsonCorpusTest {
  @TempDir Path dir;

  /** Each malformed shape with the reason it must get, for one good record {@code good}. */
  private static Map<String, String> malformed(String good) {
    String body = good.substring(1, good.length() - 1);
    int end = good.length() + 1; // the 1-based character just past the object
    return Map.ofEntries(
        Map.entry(good + "}", "trailing characters after the JSON object at character " + end),
        Map.entry(
            good + " x", "trailing characters after the JSON object at character " + (end + 1)),
        Map.entry(good + good, "trailing characters after the JSON object at character " + end),
        Map.entry(
            good.replace('"', '\''),
            "single-quoted string at character 2 (JSON strings use double quotes)"),
        Map.entry("[" + good + "]", "not a JSON object: the record starts with '['"),
        Map.entry(
            "\"" + body.replace("\"", "") + "\"", "not a JSON object: the record starts with '\"'"),
        Map.entry("42", "not a JSON object: the record starts with '4'"),
        Map.entry("null", "not a JSON object: the record starts with 'n'"),
        Map.entry("{\"amount\": 05, " + body + "}", "number with a leading zero at character 12"),
        Map.entry(
            "{\"amount\": NaN, " + body + "}",
            "non-numeric number at character 12 (NaN and Infinity are not JSON)"),
        Map.entry(
            "{\"amount\": -Infinity, " + body + "}",
            "non-numeric number at character 12 (NaN and Infinity are not JSON)"),
        Map.entry("{event_type: \"x\", " + body + "}", "unquoted field name at character 2"),
        Map.entry("{/* c */ " + body + "}", "unexpected '/' at character 2"),
        Map.entry("{" + body + ",}", "trailing comma at character " + good.length()),
        Map.entry(
            good.substring(0, good.length() - 1),
            "incomplete JSON: the record ends before the object closes"));
  }

  private static String event(Random random, int i) {
    return "{\"event_type\": \""
        + (random.nextBoolean() ? "purchase_sword" : "default")
        + "\", \"Host\": \"user"
        + (i % 3)
        + ".example.com\", \"amount\": "
        + random.nextInt(100)
        + "}";
  }

  private Pipeline pipeline(String name, List<String> lines) {
    Path input = writeLines(dir.resolve(name + "/in/events.jsonl"), lines);
    return batch(
        "name = "
            + name
            + "\nlayers = [batch]\nstorage-root = "
            + quoted(dir.resolve(name + "/root"))
            + "\nsources { events { type = files, format = text, path = "
            + quoted(input.getParent())
            + " } }\n"
            + "transforms = [ { type = parse-json, schema = \"event_type STRING, Host STRING,"
            + " amount INT\" } ]\n"
            + "sinks { out { type = files, format = parquet, path = "
            + quoted(dir.resolve(name + "/out"))
            + " } }\n");
  }

  @Test
  void onlyTheGoodLinesComeOutAndEveryMalformedOneIsADeadLetterWithItsReason() throws Exception {
    Random random = new Random(11);
    List<String> good = new ArrayList<>();
    List<String> corpus = new ArrayList<>();
    Map<String, String> expectedReasons = new java.util.HashMap<>();
    for (int i = 0; i < 2_000; i++) {
      String line = event(random, i);
      good.add(line);
      corpus.add(line);
      if (i % 10 == 0) {
        malformed(line)
            .forEach(
                (bad, reason) -> {
                  corpus.add(bad);
                  expectedReasons.put(bad, "malformed JSON: " + reason);
                });
      }
    }

    RunSummary mixed = new BatchLayer(TestSpark.session()).run(pipeline("corpus", corpus));
    RunSummary clean = new BatchLayer(TestSpark.session()).run(pipeline("clean", good));

    assertThat(mixed.recordsIn()).containsEntry("events", (long) corpus.size());
    assertThat(mixed.recordsOut()).containsEntry("out", (long) good.size());
    assertThat(mixed.deadLetters()).isEqualTo(corpus.size() - good.size());
    assertThat(rows("corpus/out")).isEqualTo(rows("clean/out"));
    assertThat(clean.deadLetters()).isZero();

    Map<String, String> reasons =
        TestSpark.session()
            .read()
            .json(dir.resolve("corpus/root/dead-letters").toString())
            .collectAsList()
            .stream()
            .collect(
                Collectors.toMap(
                    r -> r.<String>getAs("raw"), r -> r.<String>getAs("reason"), (a, b) -> a));
    assertThat(reasons).containsExactlyInAnyOrderEntriesOf(expectedReasons);
  }

  private List<String> rows(String folder) {
    return TestSpark.session()
        .read()
        .parquet(dir.resolve(folder).toString())
        .orderBy("event_type", "Host", "amount")
        .collectAsList()
        .stream()
        .map(Row::toString)
        .toList();
  }
}

package io.lambdaflow.batch;

import static io.lambdaflow.testkit.TestPipelines.batch;
import static io.lambdaflow.testkit.TestPipelines.quoted;
import static io.lambdaflow.testkit.TestPipelines.writeLines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.testkit.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayTest {
  @TempDir Path dir;

  /**
   * 20 events and 2 malformed lines: 4 events have a decimal amount, which the first schema (INT)
   * rejects; 2 have type 'c', which the first expectation quarantines.
   */
  private Path events() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String type = i % 7 == 6 ? "c" : i % 2 == 0 ? "a" : "b";
      String amount = i % 5 == 4 ? i + ".5" : Integer.toString(i);
      lines.add("{\"n\": " + i + ", \"event_type\": \"" + type + "\", \"amount\": " + amount + "}");
    }
    lines.add("{\"n\": 98, \"event_type\": ");
    lines.add("not json");
    return writeLines(dir.resolve("in/events.jsonl"), lines);
  }

  private Pipeline pipeline(Path input, String amountType, String types) {
    return batch(
        "name = replayed\nlayers = [batch]\nstorage-root = "
            + quoted(dir.resolve("root"))
            + "\nsources { events { type = files, format = text, path = "
            + quoted(input.getParent())
            + " } }\n"
            + "transforms = [ { type = parse-json, schema = \"n INT, event_type STRING, amount "
            + amountType
            + "\", expect = [ { name = known_type, condition = \"event_type IN ("
            + types
            + ")\", on-failure = quarantine } ] } ]\n"
            + "sinks { out { type = files, format = json, path = "
            + quoted(dir.resolve("out"))
            + " } }\n");
  }

  private List<Integer> written() {
    return TestSpark.session()
        .read()
        .json(dir.resolve("out").toString())
        .select("n")
        .collectAsList()
        .stream()
        .map(r -> (int) r.getLong(0))
        .sorted()
        .toList();
  }

  @Test
  void deadLettersOfAFixedTransformPassExactlyOnceAndTheRestFailAgain() throws Exception {
    Path input = events();
    RunSummary first = new BatchLayer(TestSpark.session()).run(pipeline(input, "INT", "'a', 'b'"));
    assertThat(first.deadLettersByStage()).containsEntry("parse_json_1", 8L);
    assertThat(written()).hasSize(14).doesNotContain(4, 6, 9, 13, 14, 19);

    Pipeline fixed = pipeline(input, "DOUBLE", "'a', 'b', 'c'");
    Replay.Summary replay =
        new Replay(TestSpark.session()).run(fixed, Optional.empty(), Optional.empty());
    assertThat(replay.replayed()).isEqualTo(Map.of("parse_json_1", 8L));
    assertThat(replay.passed()).isEqualTo(6);
    assertThat(replay.stillFailed()).isEqualTo(Map.of("parse_json_1", 2L));
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(i);
    }
    assertThat(written()).isEqualTo(all);
    assertThat(replay.render())
        .contains("replayed                 8  {parse_json_1=8}")
        .contains("passed                   6")
        .contains("still failed             2  {parse_json_1=2}");
    List<Row> again =
        TestSpark.session()
            .read()
            .json(dir.resolve("root/dead-letters").toString())
            .where("reason LIKE 'malformed JSON%'")
            .collectAsList();
    assertThat(again)
        .hasSize(4); // the first run's two and the replay's two, each with its position
    assertThat(again)
        .allSatisfy(r -> assertThat(r.<String>getAs("position")).contains("events.jsonl@"));

    // Run again: nothing that passed is replayed twice; the two that failed again are new dead
    // letters, replayed once more (and fail once more).
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    ReplayLayerFactory factory = new ReplayLayerFactory();
    factory
        .create(
            new LayerContext(
                fixed,
                new PluginConfig("replay", factory.options(), Map.of("stage", "parse_json_1")),
                TestSpark::session,
                new PrintStream(printed, true, StandardCharsets.UTF_8)))
        .start();
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("replayed                 2  {parse_json_1=2}")
        .contains("passed                   0");
    assertThat(written()).isEqualTo(all);
  }

  @Test
  void aPipelineWhoseSinkReplacesItsOutputIsNotReplayed() {
    Path input = events();
    Pipeline overwriting =
        batch(
            "name = replayed\nlayers = [batch]\nstorage-root = "
                + quoted(dir.resolve("root"))
                + "\nsources { events { type = files, format = text, path = "
                + quoted(input.getParent())
                + " } }\ntransforms = [ { type = parse-json, schema = \"n INT\" } ]\n"
                + "sinks { out { type = files, format = json, mode = overwrite, path = "
                + quoted(dir.resolve("out"))
                + " } }\n");
    assertThatThrownBy(
            () ->
                new Replay(TestSpark.session())
                    .run(overwriting, Optional.empty(), Optional.empty()))
        .isInstanceOf(PipelineRunException.class)
        .hasMessage(
            "sink 'out' replaces its output on every run, so replayed records would replace it"
                + " too; run the batch layer again after the fix instead (its dead letters are"
                + " replaced with it)");
  }

  @Test
  void onlyTransformsCanBeReplayedAndTheStageMustExist() {
    Pipeline pipeline = pipeline(events(), "INT", "'a', 'b'");
    assertThatThrownBy(
            () ->
                new Replay(TestSpark.session())
                    .run(pipeline, Optional.of("parse_jsn_1"), Optional.empty()))
        .isInstanceOf(PipelineRunException.class)
        .hasMessage(
            "pipeline 'replayed' has no stage 'parse_jsn_1'; its transforms are [parse_json_1]");
  }
}

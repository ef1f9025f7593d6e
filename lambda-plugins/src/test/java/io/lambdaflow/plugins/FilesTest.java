package io.lambdaflow.plugins;

import static io.lambdaflow.testkit.TestPipelines.batch;
import static io.lambdaflow.testkit.TestPipelines.deadLetters;
import static io.lambdaflow.testkit.TestPipelines.loader;
import static io.lambdaflow.testkit.TestPipelines.plan;
import static io.lambdaflow.testkit.TestPipelines.quoted;
import static io.lambdaflow.testkit.TestPipelines.rows;
import static io.lambdaflow.testkit.TestPipelines.writeLines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelinePlanner;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.WriteContext;
import io.lambdaflow.testkit.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The files source and sink in every format, and the console sink, through discovery. */
class FilesTest {
  @TempDir Path dir;

  /** Runs {@code pipeline}'s sinks as the batch layer would. */
  private static void write(Pipeline pipeline) {
    PipelinePlanner.Plan plan = plan(pipeline);
    pipeline
        .sinks()
        .forEach(
            sink ->
                ((SupportsBatchWrite) sink.spec())
                    .writeBatch(
                        PipelinePlanner.withoutMetadata(plan.sinkInputs().get(sink.name())),
                        new WriteContext(TestSpark.session(), sink.name(), ExecutionMode.BATCH)));
  }

  @Test
  void csvWithHeaderDelimiterAndSchema() {
    Path csv = writeLines(dir.resolve("in/stops.csv"), List.of("trip_id|seq", "t1|1", "t1|2"));
    Pipeline pipeline =
        batch(
            "layers = [batch]\nsources { stops { type = files, format = csv, delimiter = \"|\","
                + " schema = \"trip_id STRING, seq INT\", path = "
                + quoted(csv)
                + " } }\nsinks { out { type = console } }");
    assertThat(rows(pipeline, "out")).extracting(Row::toString).containsExactly("[t1,1]", "[t1,2]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"parquet", "json", "csv", "avro", "orc"})
  void roundTripsEachFormatWithPartitions(String format) {
    Path in =
        writeLines(
            dir.resolve("in/e.jsonl"),
            List.of(
                "{\"host\":\"a\",\"date\":\"2026-11-20\",\"n\":1}",
                "{\"host\":\"b\",\"date\":\"2026-11-21\",\"n\":2}"));
    Path out = dir.resolve("out-" + format);
    String options = format.equals("csv") ? ", options { header = true }" : "";
    write(
        batch(
            "layers = [batch]\nsources { e { type = files, format = json, path = "
                + quoted(in)
                + ", schema = \"host STRING, date STRING, n INT\" } }\n"
                + "sinks { out { type = files, format = "
                + format
                + ", partition-by = [date], path = "
                + quoted(out)
                + options
                + " } }"));

    assertThat(out.resolve("date=2026-11-20")).isDirectory();
    String schema =
        format.equals("csv")
            ? ", schema = \"host STRING, n INT, date STRING\", options { header = true }"
            : "";
    Pipeline readBack =
        batch(
            "layers = [batch]\nsources { back { type = files, format = "
                + format
                + ", path = "
                + quoted(out)
                + schema
                + " } }\nsinks { out { type = console } }");
    assertThat(rows(readBack, "out"))
        .extracting(r -> r.getAs("host") + "/" + r.getAs("n") + "/" + r.getAs("date"))
        .containsExactly("a/1/2026-11-20", "b/2/2026-11-21");
  }

  @Test
  void overwriteReplacesAndAppendAdds() {
    Path in = writeLines(dir.resolve("in/x.txt"), List.of("one", "two"));
    Path out = dir.resolve("out");
    String text =
        "layers = [batch]\nsources { x { type = files, format = text, path = "
            + quoted(in)
            + " } }\n"
            + "sinks { out { type = files, format = parquet, mode = %s, path = "
            + quoted(out)
            + " } }";
    write(batch(text.formatted("append")));
    write(batch(text.formatted("append")));
    assertThat(TestSpark.session().read().parquet(out.toString()).count()).isEqualTo(4);
    write(batch(text.formatted("overwrite")));
    assertThat(TestSpark.session().read().parquet(out.toString()).count()).isEqualTo(2);
  }

  @Test
  void aMissingPathIsNamed() {
    Path absent = dir.resolve("nowhere");
    Pipeline pipeline =
        batch(
            "layers = [batch]\nsources { x { type = files, format = json, path = "
                + quoted(absent)
                + " } }\nsinks { out { type = console } }");
    assertThatThrownBy(() -> rows(pipeline, "out"))
        .isInstanceOf(PipelineRunException.class)
        .hasMessageStartingWith(
            "source 'x' (type files) cannot be read: [PATH_NOT_FOUND] Path does not exist: file:"
                + absent);
  }

  @Test
  void theSpeedLayerNeedsASchemaForStructuredFiles() {
    String text =
        "layers = [batch, speed]\nsources { x { type = files, format = json, path = /tmp/x } }\n"
            + "sinks { out { type = console } }";
    assertThatThrownBy(() -> loader().parse(text, "speed.conf", Map.of(), Set.of()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage(
            "1 configuration problem:\n  speed.conf:2: sources.x.schema: the speed layer cannot infer the"
                + " schema of json files: set schema = \"col1 TYPE, col2 TYPE\" or remove 'speed' from layers");
  }

  @Test
  void csvOnlyOptionsAreRejectedForOtherFormats() {
    String text =
        "layers = [batch]\nsources { x { type = files, format = json, header = false, path = /tmp/x } }\n"
            + "sinks { out { type = console } }";
    assertThatThrownBy(() -> loader().parse(text, "opts.conf", Map.of(), Set.of()))
        .hasMessage(
            "1 configuration problem:\n  opts.conf:2: sources.x.header: option 'header' applies only when"
                + " format is csv, not json");
  }

  @Test
  void jsonFilesAreParsedStrictlyAndEveryBadLineIsADeadLetter() {
    Path in =
        writeLines(
            dir.resolve("in/events.jsonl"),
            List.of(
                "{\"host\":\"a\",\"n\":1}",
                "{\"host\":\"b\",\"n\":2}}",
                "{'host':'c','n':3}",
                "",
                "not json at all",
                "{\"host\":\"d\",\"n\":04}",
                "{\"host\":\"e\",\"n\":5}"));
    Pipeline pipeline =
        batch(
            "layers = [batch]\nsources { e { type = files, format = json, path = "
                + quoted(in.getParent())
                + ", schema = \"host STRING, n INT\" } }\n"
                + "sinks { out { type = console } }");
    assertThat(rows(pipeline, "out")).extracting(Row::toString).containsExactly("[a,1]", "[e,5]");
    assertThat(deadLetters(pipeline))
        .extracting(r -> r.<String>getAs("raw") + " => " + r.<String>getAs("reason"))
        .containsExactlyInAnyOrder(
            "{\"host\":\"b\",\"n\":2}} => malformed JSON: trailing characters after the JSON"
                + " object at character 19",
            "{'host':'c','n':3} => malformed JSON: single-quoted string at character 2 (JSON strings"
                + " use double quotes)",
            "not json at all => malformed JSON: not a JSON object: the record starts with 'n'",
            "{\"host\":\"d\",\"n\":04} => malformed JSON: number with a leading zero at character 17");
    // a file record's position is its file and the byte offset where its line starts
    assertThat(deadLetters(pipeline))
        .extracting(r -> r.<String>getAs("position").replaceFirst(".*/in/", ""))
        .containsExactlyInAnyOrder(
            "events.jsonl@19", "events.jsonl@39", "events.jsonl@59", "events.jsonl@75");
  }

  @Test
  void consolePrintsRows() throws Exception {
    Path in = writeLines(dir.resolve("in/words.txt"), List.of("hello", "world"));
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(captured, true, "UTF-8"));
    try {
      write(
          batch(
              "layers = [batch]\nsources { w { type = files, format = text, path = "
                  + quoted(in)
                  + " } }\n"
                  + "sinks { shown { type = console, rows = 1 } }"));
    } finally {
      System.setOut(original);
    }
    assertThat(captured.toString("UTF-8"))
        .contains("sink shown:", "|value|", "|hello|", "only showing top 1 row")
        .doesNotContain("world");
  }
}

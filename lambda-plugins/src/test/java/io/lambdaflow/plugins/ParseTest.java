package io.lambdaflow.plugins;

import static io.lambdaflow.testkit.TestPipelines.batch;
import static io.lambdaflow.testkit.TestPipelines.deadLetters;
import static io.lambdaflow.testkit.TestPipelines.quoted;
import static io.lambdaflow.testkit.TestPipelines.rows;
import static io.lambdaflow.testkit.TestPipelines.writeLines;
import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.pipeline.Pipeline;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * parse-json and parse-csv: typed rows out, every malformed record a dead letter with its reason.
 */
class ParseTest {
  @TempDir Path dir;

  private Pipeline textPipeline(List<String> lines, String transform) {
    Path file = writeLines(dir.resolve("in/lines.txt"), lines);
    return batch(
        "layers = [batch]\n"
            + "sources { lines { type = files, format = text, path = "
            + quoted(file.getParent())
            + " } }\n"
            + "transforms = [ "
            + transform
            + " ]\n"
            + "sinks { out { type = console } }\n");
  }

  private static List<String> reasons(Pipeline pipeline) {
    return deadLetters(pipeline).stream()
        .map(r -> r.<String>getAs("raw") + " => " + r.<String>getAs("reason"))
        .toList();
  }

  @Test
  void parseJsonSplitsGoodFromMalformed() {
    Pipeline pipeline =
        textPipeline(
            List.of(
                "{\"event_type\":\"purchase_sword\",\"amount\":10}",
                "{\"event_type\":\"default\"}",
                "{\"event_type\":\"purchase_sword\",\"amount\":\"lots\"}",
                "{\"event_type\": \"truncated",
                "[1, 2]",
                "{\"amount\": 5}",
                ""),
            "{ type = parse-json, schema = \"event_type STRING, amount INT\", required = [event_type] }");

    assertThat(rows(pipeline, "out"))
        .extracting(Row::toString)
        .containsExactly("[default,null]", "[purchase_sword,10]");
    assertThat(reasons(pipeline))
        .containsExactlyInAnyOrder(
            "{\"event_type\":\"purchase_sword\",\"amount\":\"lots\"} => JSON does not match the schema"
                + " event_type STRING,amount INT",
            "{\"event_type\": \"truncated => malformed JSON: unterminated string starting at"
                + " character 16",
            "[1, 2] => malformed JSON: not a JSON object: the record starts with '['",
            "{\"amount\": 5} => required field 'event_type' is missing or null",
            " => empty record");
    assertThat(deadLetters(pipeline))
        .allSatisfy(
            r -> {
              assertThat(r.<String>getAs("position")).matches(".*/in/lines\\.txt@\\d+");
              assertThat(r.<String>getAs("pipeline")).isEqualTo("test");
              assertThat(r.<String>getAs("stage")).isEqualTo("parse_json_1");
              assertThat((Object) r.getAs("rejected_at")).isNotNull();
            });
  }

  @Test
  void parseCsvChecksFieldCountAndTypes() {
    Pipeline pipeline =
        textPipeline(
            List.of(
                "t1;3;08:00:00",
                "t2;x;09:00:00",
                "t3;4",
                "t4;5;10:00:00;extra",
                "\"t;5\";6;11:00:00"),
            "{ type = parse-csv, delimiter = \";\", schema = \"trip_id STRING, stop_sequence INT, arrival STRING\" }");

    assertThat(rows(pipeline, "out"))
        .extracting(Row::toString)
        .containsExactly("[t1,3,08:00:00]", "[t;5,6,11:00:00]");
    assertThat(reasons(pipeline))
        .containsExactlyInAnyOrder(
            "t2;x;09:00:00 => CSV value does not match its type in trip_id STRING,stop_sequence"
                + " INT,arrival STRING",
            "t3;4 => CSV record has 2 fields, expected 3 (trip_id STRING,stop_sequence INT,arrival STRING)",
            "t4;5;10:00:00;extra => CSV record has 4 fields, expected 3 (trip_id STRING,stop_sequence"
                + " INT,arrival STRING)");
  }

  @Test
  void keepCarriesInputColumnsBesideTheParsedFields() {
    Pipeline pipeline =
        textPipeline(
            List.of("{\"a\": 1}"),
            "{ type = with-column, column = source, expression = \"'kafka'\" }\n"
                + "{ type = parse-json, schema = \"a INT\", keep = [source] }");
    assertThat(rows(pipeline, "out")).extracting(Row::toString).containsExactly("[kafka,1]");
  }
}

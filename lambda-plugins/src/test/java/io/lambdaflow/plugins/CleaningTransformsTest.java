package io.lambdaflow.plugins;

import static io.lambdaflow.testkit.TestPipelines.batch;
import static io.lambdaflow.testkit.TestPipelines.deadLetters;
import static io.lambdaflow.testkit.TestPipelines.invalid;
import static io.lambdaflow.testkit.TestPipelines.quoted;
import static io.lambdaflow.testkit.TestPipelines.rows;
import static io.lambdaflow.testkit.TestPipelines.writeLines;
import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.config.Problem;
import io.lambdaflow.pipeline.Pipeline;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** regex-replace, normalize-unicode and parse-quantity by type name, on a real session. */
class CleaningTransformsTest {
  @TempDir static Path dir;
  static Path pins;

  @BeforeAll
  static void data() {
    pins =
        writeLines(
            dir.resolve("pins/part-1.jsonl"),
            List.of(
                "{\"id\":1,\"followers\":\"12k\",\"tags\":\"#travel,#food\",\"title\":\"Caf\\\\u00e9 \\u2460\"}",
                "{\"id\":2,\"followers\":\"1.5M\",\"tags\":\"#,a,r,t\",\"title\":\"\\u200bzero\\ufeffwidth\"}",
                "{\"id\":3,\"followers\":\"1,200\",\"tags\":\"diy,home\",\"title\":\"ﬁne ２\"}",
                "{\"id\":4,\"followers\":\"lots\",\"tags\":\"x\",\"title\":\"broken \\\\u12G4\"}",
                "{\"id\":5,\"followers\":\"3.2k\",\"tags\":null,\"title\":null}",
                "{\"id\":6,\"followers\":\"1.2345k\",\"tags\":\"\",\"title\":\"\"}"));
  }

  private static String pipeline(String transforms) {
    return "layers = [batch]\n"
        + "sources { pins { type = files, format = json, path = "
        + quoted(pins.getParent())
        + ", schema = \"id INT, followers STRING, tags STRING, title STRING\" } }\n"
        + "transforms = [\n"
        + transforms
        + "\n]\n"
        + "sinks { out { type = console } }\n";
  }

  private static List<String> output(Pipeline pipeline) {
    return rows(pipeline, "out").stream().map(Row::toString).sorted().toList();
  }

  private static List<String> reasons(Pipeline pipeline) {
    return deadLetters(pipeline).stream()
        .map(r -> r.<String>getAs("stage") + ": " + r.<String>getAs("reason"))
        .sorted()
        .toList();
  }

  @Test
  void regexReplaceRemovesTheCommaBetweenEveryCharacterThenTheHashes() {
    Pipeline pipeline =
        batch(
            pipeline(
                "{ type = regex-replace, columns = [tags], pattern = \",\", only-if = \"^(.,)+.$\" }\n"
                    + "{ type = regex-replace, columns = [tags], pattern = \"(^|,)#\","
                    + " replacement = \"$1\" }\n"
                    + "{ type = select, columns = [id, tags] }"));
    assertThat(output(pipeline))
        .containsExactly("[1,travel,food]", "[2,art]", "[3,diy,home]", "[4,x]", "[5,null]", "[6,]");
    assertThat(deadLetters(pipeline)).isEmpty();
  }

  @Test
  void normalizeUnicodeDecodesEscapesFoldsCompatibilityCharactersAndDropsInvisibles() {
    Pipeline pipeline =
        batch(
            pipeline(
                "{ type = normalize-unicode, columns = [title] }\n"
                    + "{ type = select, columns = [id, title] }"));
    assertThat(output(pipeline))
        .containsExactly("[1,Café 1]", "[2,zerowidth]", "[3,fine 2]", "[5,null]", "[6,]");
    assertThat(reasons(pipeline))
        .containsExactly(
            "normalize_unicode_1: column 'title': 'broken \\u12G4' has a broken unicode escape at"
                + " character 8 (expected \\u and four hex digits)");
    Row letter = deadLetters(pipeline).get(0);
    assertThat(letter.<String>getAs("raw"))
        .isEqualTo(
            "{\"id\":4,\"followers\":\"lots\",\"tags\":\"x\",\"title\":\"broken \\\\u12G4\"}");
    assertThat(letter.<String>getAs("position")).matches(".*/pins/part-1\\.jsonl@\\d+");
  }

  @Test
  void parseQuantityTurnsSuffixesIntoNumbersAndTheRestIntoDeadLetters() {
    Pipeline pipeline =
        batch(
            pipeline(
                "{ type = parse-quantity, columns = [followers] }\n"
                    + "{ type = select, columns = [id, followers] }"));
    assertThat(output(pipeline))
        .containsExactly("[1,12000]", "[2,1500000]", "[3,1200]", "[5,3200]");
    assertThat(reasons(pipeline))
        .containsExactly(
            "parse_quantity_1: column 'followers': '1.2345k' is 1234.5, not a whole number in"
                + " range",
            "parse_quantity_1: column 'followers': 'lots' is not a quantity (digits and an"
                + " optional suffix: 12k, 1.5M, 300)");

    assertThat(
            output(
                batch(
                    pipeline(
                        "{ type = parse-quantity, columns = [followers], to = double,"
                            + " on-error = set-null }\n"
                            + "{ type = select, columns = [id, followers] }"))))
        .containsExactly(
            "[1,12000.0]", "[2,1500000.0]", "[3,1200.0]", "[4,null]", "[5,3200.0]", "[6,1234.5]");
  }

  @Test
  void aBadPatternOrColumnIsReportedBeforeAnythingRuns() {
    assertThat(
            invalid(
                    pipeline(
                        "{ type = regex-replace, columns = [tags], pattern = \"(#\" }\n"
                            + "{ type = parse-quantity, columns = [followers], to = int }"))
                .problems())
        .extracting(Problem::toString)
        .containsExactly(
            "test.conf:4: transforms[0].pattern: expected a regular expression, '(#' is not a"
                + " regular expression: Unclosed group",
            "test.conf:5: transforms[1].to: expected one of [long, double], got 'int'");
  }
}

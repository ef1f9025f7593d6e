package io.lambdaflow.plugins;

import static io.lambdaflow.testkit.TestPipelines.batch;
import static io.lambdaflow.testkit.TestPipelines.deadLetters;
import static io.lambdaflow.testkit.TestPipelines.invalid;
import static io.lambdaflow.testkit.TestPipelines.quoted;
import static io.lambdaflow.testkit.TestPipelines.rows;
import static io.lambdaflow.testkit.TestPipelines.writeLines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.config.Problem;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelineRunException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every built-in transform, loaded by type name through discovery and run on a real session. */
class TransformsTest {
  @TempDir static Path dir;
  static Path events;

  @BeforeAll
  static void data() {
    events =
        writeLines(
            dir.resolve("events/part-1.jsonl"),
            List.of(
                "{\"event_type\":\"purchase_sword\",\"host\":\"user1.comcast.com\",\"amount\":\"10\"}",
                "{\"event_type\":\"default\",\"host\":\"user2.att.com\",\"amount\":\"0\"}",
                "{\"event_type\":\"purchase_sword\",\"host\":\"user2.att.com\",\"amount\":\"ten\"}",
                "{\"event_type\":\"default\",\"host\":\"user2.att.com\",\"amount\":\"0\"}",
                "{\"event_type\":\"join_guild\",\"host\":\"user1.comcast.com\"}"));
  }

  private static String pipeline(String transforms) {
    return "layers = [batch]\n"
        + "sources { events { type = files, format = json, path = "
        + quoted(events.getParent())
        + ", schema = \"event_type STRING, host STRING, amount STRING\" } }\n"
        + "transforms = [\n"
        + transforms
        + "\n]\n"
        + "sinks { out { type = console } }\n";
  }

  private static List<String> output(String transforms) {
    return rows(batch(pipeline(transforms)), "out").stream().map(Row::toString).toList();
  }

  @Test
  void joinEnrichesEachRowOrMakesItADeadLetter() {
    Path isps =
        writeLines(
            dir.resolve("isps/isps.csv"),
            List.of("host,isp", "user1.comcast.com,Comcast", "user9.example.com,Nobody"));
    Pipeline pipeline =
        batch(
            pipeline("{ type = join, inputs = [events, isps], on = [host] }")
                .replace(
                    "sources {",
                    "sources { isps { type = files, format = csv, dimension = true, path = "
                        + quoted(isps.getParent())
                        + ", schema = \"host STRING, isp STRING\" }\n"));
    assertThat(rows(pipeline, "out").stream().map(Row::toString).toList())
        .containsExactlyInAnyOrder(
            "[user1.comcast.com,purchase_sword,10,Comcast]",
            "[user1.comcast.com,join_guild,null,Comcast]");
    assertThat(deadLetters(pipeline))
        .extracting(r -> r.<String>getAs("reason") + " | " + r.<String>getAs("raw"))
        .containsExactlyInAnyOrder(
            "no row of 'isps' with host = 'user2.att.com' |"
                + " {\"event_type\":\"default\",\"host\":\"user2.att.com\",\"amount\":\"0\"}",
            "no row of 'isps' with host = 'user2.att.com' |"
                + " {\"event_type\":\"purchase_sword\",\"host\":\"user2.att.com\",\"amount\":\"ten\"}",
            "no row of 'isps' with host = 'user2.att.com' |"
                + " {\"event_type\":\"default\",\"host\":\"user2.att.com\",\"amount\":\"0\"}");
  }

  @Test
  void filterKeepsMatchingRows() {
    assertThat(output("{ type = filter, condition = \"event_type = 'purchase_sword'\" }"))
        .containsExactly(
            "[purchase_sword,user1.comcast.com,10]", "[purchase_sword,user2.att.com,ten]");
  }

  @Test
  void selectComputesColumns() {
    assertThat(
            output(
                "{ type = select, columns = [\"upper(event_type) AS type\", host] }\n"
                    + "{ type = filter, condition = \"type = 'JOIN_GUILD'\" }"))
        .containsExactly("[JOIN_GUILD,user1.comcast.com]");
  }

  @Test
  void withColumnRenameAndDrop() {
    assertThat(
            output(
                "{ type = with-column, column = domain, expression = \"substring_index(host, '.', -2)\" }\n"
                    + "{ type = rename, columns { event_type = type } }\n"
                    + "{ type = drop, columns = [host, amount] }\n"
                    + "{ type = dedupe }"))
        .containsExactly(
            "[default,att.com]",
            "[join_guild,comcast.com]",
            "[purchase_sword,att.com]",
            "[purchase_sword,comcast.com]");
  }

  @Test
  void renameOfAMissingColumnNamesTheColumnsThereAre() {
    Pipeline pipeline = batch(pipeline("{ type = rename, columns { hots = server } }"));
    assertThatThrownBy(() -> rows(pipeline, "out"))
        .isInstanceOf(PipelineRunException.class)
        .hasMessage(
            "transform 'rename_1' (type rename) failed: column 'hots' does not exist; the input has"
                + " [event_type, host, amount]");
  }

  @Test
  void watermarkLeavesBatchRowsAlone() {
    assertThat(
            output(
                "{ type = with-column, column = ts, expression = \"timestamp'2026-11-21 10:00:00'\" }\n"
                    + "{ type = watermark, column = ts, delay = 10 minutes }\n"
                    + "{ type = select, columns = [event_type] }"))
        .hasSize(5);
    assertThat(
            invalid(pipeline("{ type = watermark, column = ts, delay = soon }"))
                .problems()
                .get(0)
                .toString())
        .isEqualTo(
            "test.conf:4: transforms[0].delay: expected a duration such as '10 seconds' or '500ms', got"
                + " string 'soon'");
  }

  @Test
  void dedupeByKeyColumns() {
    assertThat(
            output(
                "{ type = dedupe, columns = [event_type] }\n{ type = select, columns = [event_type] }"))
        .containsExactly("[default]", "[join_guild]", "[purchase_sword]");
  }

  @Test
  void splitAndExplodeMakeOneRowPerWord() {
    assertThat(
            output(
                "{ type = split, column = host, pattern = \"\\\\.\", as = parts }\n"
                    + "{ type = explode, column = parts, as = part }\n"
                    + "{ type = filter, condition = \"event_type = 'join_guild'\" }\n"
                    + "{ type = select, columns = [part] }"))
        .containsExactly("[com]", "[comcast]", "[user1]");
  }

  @Test
  void sqlReadsNamedInputsForJoins() throws Exception {
    Path hosts =
        writeLines(
            dir.resolve("hosts/hosts.csv"),
            List.of("host,isp", "user1.comcast.com,Comcast", "user2.att.com,AT&T"));
    String text =
        "layers = [batch]\n"
            + "sources {\n"
            + "  events { type = files, format = json, path = "
            + quoted(events.getParent())
            + ", schema = \"event_type STRING, host STRING, amount STRING\" }\n"
            + "  hosts { type = files, format = csv, path = "
            + quoted(hosts.getParent())
            + " }\n"
            + "}\n"
            + "transforms = [ { type = sql, inputs = [events, hosts], query = \"\"\""
            + "SELECT h.isp, count(*) AS n FROM events e JOIN hosts h ON e.host = h.host GROUP BY h.isp\"\"\" } ]\n"
            + "sinks { out { type = console } }\n";
    assertThat(rows(batch(text), "out"))
        .extracting(Row::toString)
        .containsExactly("[AT&T,3]", "[Comcast,2]");
  }

  @Test
  void castSendsUnconvertibleValuesToDeadLetters() {
    Pipeline pipeline = batch(pipeline("{ type = cast, columns { amount = int } }"));
    assertThat(rows(pipeline, "out"))
        .extracting(Row::toString)
        .containsExactly(
            "[default,user2.att.com,0]",
            "[default,user2.att.com,0]",
            "[join_guild,user1.comcast.com,null]",
            "[purchase_sword,user1.comcast.com,10]");
    List<Row> letters = deadLetters(pipeline);
    assertThat(letters).hasSize(1);
    Row letter = letters.get(0);
    assertThat(letter.<String>getAs("reason"))
        .isEqualTo("cannot cast column 'amount' value 'ten' to int");
    assertThat(letter.<String>getAs("raw"))
        .isEqualTo(
            "{\"event_type\":\"purchase_sword\",\"host\":\"user2.att.com\",\"amount\":\"ten\"}");
    assertThat(letter.<String>getAs("stage")).isEqualTo("cast_1");
    assertThat(letter.<String>getAs("position")).matches(".*/events/part-1\\.jsonl@\\d+");
  }

  @Test
  void castWithNullOnErrorKeepsEveryRow() {
    assertThat(output("{ type = cast, columns { amount = int }, on-error = set-null }"))
        .contains("[purchase_sword,user2.att.com,null]")
        .hasSize(5);
  }

  @Test
  void badTransformOptionsAreReportedWithTheirLines() {
    List<String> problems =
        invalid(
                pipeline(
                    "{ type = cast, columns { amount = integr } }\n{ type = split, column = host, pattern = \"[\" }"))
            .problems()
            .stream()
            .map(Problem::toString)
            .toList();
    assertThat(problems).hasSize(2);
    assertThat(problems.get(0))
        .startsWith(
            "test.conf:4: transforms[0].columns: expected an object whose values are each a"
                + " Spark SQL type such as 'int', 'timestamp' or 'decimal(10,2)', value of 'amount' is not");
    assertThat(problems.get(1))
        .startsWith(
            "test.conf:5: transforms[1].pattern: not a valid regular expression: Unclosed character class");
  }
}

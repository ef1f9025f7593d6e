package io.lambdaflow.plugins;

import static io.lambdaflow.testkit.TestPipelines.batch;
import static io.lambdaflow.testkit.TestPipelines.deadLetters;
import static io.lambdaflow.testkit.TestPipelines.invalid;
import static io.lambdaflow.testkit.TestPipelines.quoted;
import static io.lambdaflow.testkit.TestPipelines.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.pipeline.Pipeline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CSV files as GTFS feeds come: columns in any order, by each file's header; byte-order marks,
 * CRLF, quoted commas, extra and missing columns; every line that does not fit is a dead letter
 * with its file, byte offset and reason; a declared optional file may be missing.
 */
class CsvFilesTest {
  @TempDir Path dir;

  private static final String SCHEMA =
      "trip_id STRING, route_id STRING, service_id STRING, direction_id INT, trip_headsign STRING";

  private Pipeline trips(Path folder, String extra) {
    return batch(
        "layers = [batch]\nsources { trips { type = files, format = csv, path = "
            + quoted(folder)
            + ", schema = \""
            + SCHEMA
            + "\""
            + extra
            + " } }\nsinks { out { type = console } }");
  }

  /** Each dead letter as "file@offset reason". */
  private static List<String> fileOffsetsAndReasons(Pipeline pipeline) {
    return deadLetters(pipeline).stream()
        .map(
            r ->
                r.<String>getAs("position").replaceFirst(".*/trips/", "")
                    + " "
                    + r.<String>getAs("reason"))
        .toList();
  }

  @Test
  void eachFileIsReadByItsOwnHeaderAndEveryBadLineIsADeadLetter() throws Exception {
    Path folder = dir.resolve("trips");
    Files.createDirectories(folder);
    // One feed's order, with a byte-order mark, CRLF and a quoted comma.
    Files.writeString(
        folder.resolve("a.txt"),
        "\uFEFFroute_id,service_id,trip_id,trip_headsign,direction_id\r\n"
            + "10,WD,t1,\"Angrignon, via Lionel-Groulx\",0\r\n"
            + "10,WD,t2,Honoré-Beaugrand,1\r\n"
            + "10,WD,t3,Too,many,1\r\n",
        StandardCharsets.UTF_8);
    // Another order, an extra column, no trip_headsign, a blank line and a bad direction.
    Files.writeString(
        folder.resolve("b.txt"),
        "trip_id,shape_id,direction_id,service_id,route_id\n"
            + "t4,s9,1,SA,51\n"
            + "\n"
            + "t5,s9,north,SA,51\n"
            + "t6,,,SU,51\n",
        StandardCharsets.UTF_8);
    Pipeline pipeline = trips(folder, "");

    assertThat(rows(pipeline, "out"))
        .extracting(Row::toString)
        .containsExactlyInAnyOrder(
            "[t1,10,WD,0,Angrignon, via Lionel-Groulx]",
            "[t2,10,WD,1,Honoré-Beaugrand]",
            "[t4,51,SA,1,null]",
            "[t6,51,SU,null,null]");
    assertThat(fileOffsetsAndReasons(pipeline))
        .containsExactlyInAnyOrder(
            "a.txt@132 CSV line has 6 fields, its file's header 5"
                + " (route_id,service_id,trip_id,trip_headsign,direction_id)",
            "b.txt@65 CSV column 'direction_id': 'north' is not a valid INT");
  }

  /**
   * Found on a real feed (a frequencies.txt saved as UTF-16): its header named none of the declared
   * columns, so each line read as a row of nulls. A file that is not UTF-8, or whose header has
   * none of the declared columns, is dead letters line by line, never rows.
   */
  @Test
  void aFileThatIsNotUtf8OrWhoseHeaderHasNoneOfTheColumnsIsDeadLetters() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("trips"));
    Files.write(
        folder.resolve("utf16.txt"),
        "\uFEFFtrip_id,route_id\nt1,10\nt2,11\n".getBytes(StandardCharsets.UTF_16LE));
    Files.writeString(folder.resolve("other.txt"), "stop_id,stop_name\n51009,Angrignon\n");
    Files.write(
        folder.resolve("latin1.txt"),
        "trip_id,route_id\nt1,Montr\u00e9al\n".getBytes(StandardCharsets.ISO_8859_1));
    Pipeline pipeline = trips(folder, "");

    assertThat(rows(pipeline, "out")).isEmpty();
    assertThat(fileOffsetsAndReasons(pipeline))
        .containsExactlyInAnyOrder(
            "utf16.txt@35 CSV file is not UTF-8 text (its first line has NUL or undecodable"
                + " bytes: UTF-16?)",
            "utf16.txt@47 CSV file is not UTF-8 text (its first line has NUL or undecodable"
                + " bytes: UTF-16?)",
            "utf16.txt@59 CSV file is not UTF-8 text (its first line has NUL or undecodable"
                + " bytes: UTF-16?)",
            "latin1.txt@17 CSV line is not UTF-8 text (it has NUL or undecodable bytes)",
            "other.txt@18 CSV file's header (stop_id,stop_name) has none of the declared columns"
                + " (trip_id, route_id, service_id, direction_id, trip_headsign)");
  }

  @Test
  void anOptionalFileThatIsMissingReadsAsNoRows() {
    Pipeline pipeline = trips(dir.resolve("frequencies.txt"), ", optional = true");
    assertThat(rows(pipeline, "out")).isEmpty();
    assertThat(deadLetters(pipeline)).isEmpty();
  }

  @Test
  void anOptionalFileNeedsASchema() {
    assertThat(
            invalid(
                    "layers = [batch]\nsources { f { type = files, format = csv, optional = true,"
                        + " path = /tmp/none } }\nsinks { out { type = console } }")
                .getMessage())
        .contains(
            "sources.f.optional: an optional path needs a schema, the columns it reads as when"
                + " the path is missing");
  }
}

package io.lambdaflow.cli;

import static io.lambdaflow.cli.LauncherTest.lambda;
import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.testkit.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code lambda test}: the game-events pipeline on its shipped fixtures, in both layers. */
class FixtureRunTest {
  private static final Path CONF = Path.of("../conf/game-events.conf");
  private static final Path SHIPPED = Path.of("../conf/fixtures/game-events");

  @TempDir Path dir;

  @BeforeAll
  static void sharedSession() {
    TestSpark.session();
  }

  @Test
  void theShippedFixturesPassInBothLayersAndLeaveNothingBehind() throws Exception {
    Set<Path> before = testFolders();

    LauncherTest.Result result = lambda("test", CONF.toString());

    assertThat(result.status()).as(result.out() + result.err()).isZero();
    String layer =
        "  ok   view purchases (4 rows)\n"
            + "  ok   view events_per_host (9 rows)\n"
            + "  ok   view events_per_type (4 rows)\n"
            + "  ok   dead-letters (6 rows)\n";
    assertThat(result.out())
        .isEqualTo(
            "batch layer:\n"
                + layer
                + "speed layer:\n"
                + layer
                + "lambda test: all 8 output(s) as expected\n");
    assertThat(testFolders()).isEqualTo(before);
  }

  @ParameterizedTest
  @ValueSource(strings = {"wordcount", "pinterest", "gtfs"})
  void theOtherExamplesFixturesPassInBothLayers(String example) {
    LauncherTest.Result result = lambda("test", "../conf/" + example + ".conf");

    assertThat(result.status()).as(result.out() + result.err()).isZero();
    assertThat(result.out()).endsWith("lambda test: all 6 output(s) as expected\n");
  }

  @Test
  void aChangedExpectedRowFailsWithADiffInEachLayer() throws Exception {
    copy(SHIPPED, dir);
    Path perType = dir.resolve("expected/views/events_per_type.csv");
    Files.writeString(
        perType,
        Files.readString(perType).replace("purchase_sword,5", "purchase_sword,6"),
        StandardCharsets.UTF_8);

    LauncherTest.Result result = lambda("test", CONF.toString(), "--fixtures", dir.toString());

    assertThat(result.status()).isEqualTo(Launcher.RUNTIME_FAILURE);
    String diff =
        "  FAIL view events_per_type differs from "
            + perType
            + " (- expected, + actual):\n"
            + "       - purchase_sword,6\n"
            + "       + purchase_sword,5\n";
    assertThat(result.out().split("speed layer:\n"))
        .hasSize(2)
        .allSatisfy(part -> assertThat(part).contains(diff, "  ok   view purchases (4 rows)\n"));
    assertThat(result.out()).endsWith("lambda test: 2 of 8 output(s) differ\n");
  }

  @Test
  void updateWritesTheShippedExpectedFilesAndAStrayFileFails() throws Exception {
    Path quickstart = Path.of("../conf/fixtures/quickstart");
    copy(quickstart.resolve("input"), dir.resolve("input"));
    Files.createDirectories(dir.resolve("expected/views"));
    Files.writeString(dir.resolve("expected/views/renamed.csv"), "a\n1\n");

    LauncherTest.Result result =
        lambda("test", "../conf/quickstart.conf", "--fixtures", dir.toString(), "--update");

    for (String file :
        List.of("sinks/purchases_parquet.csv", "sinks/counts_console.csv", "dead-letters.csv")) {
      assertThat(dir.resolve("expected").resolve(file))
          .hasSameTextualContentAs(quickstart.resolve("expected").resolve(file));
    }
    assertThat(result.status()).isEqualTo(Launcher.RUNTIME_FAILURE);
    assertThat(result.out())
        .contains(
            "FAIL "
                + dir.resolve("expected/views/renamed.csv")
                + ": the pipeline has no such output\n")
        .endsWith("lambda test: 1 of 4 output(s) differ\n");
  }

  @Test
  void missingFixturesSayWhereTheyGo() {
    LauncherTest.Result result =
        lambda("test", CONF.toString(), "--fixtures", dir.resolve("none").toString());

    assertThat(result.status()).isEqualTo(Launcher.CONFIGURATION_ERROR);
    assertThat(result.err())
        .isEqualTo(
            "lambda test: no fixtures for ../conf/game-events.conf: put each source's records in "
                + dir.resolve("none/input/<source>.<extension>")
                + " and the expected outputs in "
                + dir.resolve("none/expected")
                + " (lambda test FILE --update writes them)\n");
  }

  @Test
  void aSourceWithoutItsFixtureIsNamed() throws Exception {
    Files.createDirectories(dir.resolve("input"));

    LauncherTest.Result result = lambda("test", CONF.toString(), "--fixtures", dir.toString());

    assertThat(result.status()).isEqualTo(Launcher.CONFIGURATION_ERROR);
    assertThat(result.err())
        .isEqualTo(
            "lambda test: no fixture for source 'events': expected one file "
                + dir.resolve("input/events.<extension>")
                + " or a folder "
                + dir.resolve("input/events")
                + "\n");
  }

  @Test
  void tablesCompareAsSetsOfCsvRecords() throws Exception {
    Path file = dir.resolve("t.csv");
    FixtureTable table =
        FixtureTable.of(
            List.of("a", "b"),
            List.of(
                Arrays.asList("x,y", null),
                Arrays.asList("", 2L),
                Arrays.asList("say \"hi\"\nthere", 1.5d)));
    table.write(file);

    assertThat(FixtureTable.read(file)).isEqualTo(table);
    assertThat(table.rows()).containsExactly("\"\",2", "\"say \"\"hi\"\"\nthere\",1.5", "\"x,y\",");
    FixtureTable other =
        FixtureTable.of(List.of("a", "c"), List.of(Arrays.asList("", 2L), Arrays.asList("", 2L)));
    assertThat(other.diff(table))
        .containsExactly(
            "- columns a,b",
            "+ columns a,c",
            "- \"say \"\"hi\"\"\nthere\",1.5",
            "- \"x,y\",",
            "+ \"\",2");
  }

  private static Set<Path> testFolders() throws Exception {
    try (Stream<Path> all = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return all.filter(p -> p.getFileName().toString().startsWith("lambda-test-"))
          .collect(Collectors.toSet());
    }
  }

  private static void copy(Path from, Path to) throws Exception {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path source : all.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }
}

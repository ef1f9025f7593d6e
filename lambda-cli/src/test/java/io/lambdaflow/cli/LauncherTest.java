package io.lambdaflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.testkit.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lambda command in this JVM: verbs, help, exit status, batch runs. */
class LauncherTest {
  @TempDir Path dir;

  record Result(int status, String out, String err) {}

  @BeforeAll
  static void sharedSession() {
    TestSpark.session(); // batch runs pick up this session rather than starting their own
  }

  static Result lambda(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        new Launcher(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))
            .run(args);
    return new Result(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Path conf(String text) throws Exception {
    Path file = dir.resolve("p.conf");
    Files.writeString(file, text);
    return file;
  }

  private Path wordsPipeline(String inputDir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("words"));
    Files.write(data.resolve("w.txt"), List.of("apache spark", "apache kafka"));
    return conf(
        "layers = [batch]\nstorage-root = \""
            + dir.resolve("root")
            + "\"\n"
            + "sources { lines { type = files, format = text, path = \""
            + dir.resolve(inputDir)
            + "\" } }\n"
            + "transforms = [\n"
            + "  { type = split, column = value, pattern = \" \", as = words }\n"
            + "  { type = explode, column = words, as = word }\n"
            + "  { type = sql, query = \"SELECT word, count(*) AS n FROM explode_2 GROUP BY word\" }\n"
            + "]\n"
            + "sinks { counts { type = files, format = json, mode = overwrite, path = \""
            + dir.resolve("out")
            + "\" } }\n");
  }

  @Test
  void helpForEveryVerb() {
    assertThat(lambda()).satisfies(r -> assertThat(r.out()).contains("usage: lambda VERB"));
    for (String verb :
        List.of(
            "validate",
            "batch",
            "speed",
            "serve",
            "broker",
            "postgres",
            "produce",
            "preview",
            "test",
            "init",
            "cluster",
            "package",
            "submit",
            "plugins",
            "help")) {
      Result result = lambda(verb, "--help");
      assertThat(result.status()).isZero();
      assertThat(result.out()).startsWith("usage: lambda " + (verb.equals("help") ? "VERB" : verb));
    }
  }

  @Test
  void unknownVerbsAndOptionsAreUsageErrors() {
    Result verb = lambda("bacth", "x.conf");
    assertThat(verb.status()).isEqualTo(2);
    assertThat(verb.err()).startsWith("lambda: unknown verb 'bacth'");
    Result option = lambda("batch", "x.conf", "--fast");
    assertThat(option.status()).isEqualTo(2);
    assertThat(option.err()).startsWith("lambda: unknown option '--fast'");
  }

  @Test
  void previewPrintsTheFirstRowsAfterAStageAndWritesNothing() throws Exception {
    Path file = wordsPipeline("words");
    Result result = lambda("preview", file.toString(), "--stage", "explode_2", "--rows", "3");
    assertThat(result.status()).as(result.err()).isZero();
    assertThat(result.out())
        .isEqualTo(
            "stage 'explode_2', the first 3 row(s):\n"
                + "  | value        | word   |\n"
                + "  | apache spark | apache |\n"
                + "  | apache spark | spark  |\n"
                + "  | apache kafka | apache |\n"
                + "\n"
                + "dead letters at 'explode_2', the first 3:\n"
                + "  none\n");
    assertThat(dir.resolve("out")).doesNotExist();
    assertThat(dir.resolve("root")).doesNotExist();

    Result unknown = lambda("preview", file.toString(), "--stage", "explode");
    assertThat(unknown.status()).isEqualTo(2);
    assertThat(unknown.err())
        .isEqualTo(
            "lambda preview: unknown stage 'explode'; did you mean 'explode_2'? (stages: lines,"
                + " split_1, explode_2, sql_3)\n");
    assertThat(lambda("preview", file.toString()).err())
        .isEqualTo("lambda preview: usage: lambda preview FILE --stage NAME [--rows N]\n");
  }

  @Test
  void versionNamesTheBuildAndWhatItRunsOn() {
    Result result = lambda("--version");
    assertThat(result.status()).isZero();
    assertThat(result.out())
        .matches(
            "lambda \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(Spark 3\\.5\\.7, Scala 2\\.12\\.\\d+,"
                + " Java 17[^)]*\\)\n");
  }

  @Test
  void pluginsListsTheBuiltIns() {
    Result result = lambda("plugins");
    assertThat(result.status()).isZero();
    assertThat(result.out())
        .contains("  files - Reads json, csv, parquet, avro, text or orc files")
        .contains("  parse-json - Parses a JSON string column")
        .contains("      condition (a Spark SQL expression; required)")
        .contains(
            "layer types:\n  batch - one bounded run",
            "      --recompute (a boolean (true or false); default false): Read no source;",
            "  serve - the views over HTTP",
            "  speed - Structured Streaming until stopped",
            "serving engine types:\n  duckdb - embedded DuckDB",
            "      threads (an integer; optional): DuckDB's worker threads",
            "  spark - Spark SQL over the view files",
            "view store types:\n  folders - Parquet folders under storage-root",
            "      keep-published (an integer; default 10): How many published states");
  }

  @Test
  void validateAcceptsAGoodPipeline() throws Exception {
    Result result = lambda("validate", wordsPipeline("words").toString());
    assertThat(result.status()).isZero();
    assertThat(result.out())
        .endsWith(
            "pipeline 'p' is valid for layers [batch]: 1 source(s), 3 transform(s), 1 sink(s)\n");
  }

  @Test
  void batchRunsAndPrintsTheSummary() throws Exception {
    Result result = lambda("batch", wordsPipeline("words").toString());
    assertThat(result.status()).as(result.err()).isZero();
    assertThat(result.out())
        .contains(
            "records in               2  (lines: 2)", "records out              3  (counts: 3)");
    List<Row> counts =
        TestSpark.session()
            .read()
            .json(dir.resolve("out").toString())
            .orderBy("word")
            .collectAsList();
    assertThat(counts)
        .extracting(Row::toString)
        .containsExactly("[2,apache]", "[1,kafka]", "[1,spark]");
  }

  @Test
  void anEmbeddedPostgresServesTheRunAndGoesWithIt() throws Exception {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path file = wordsPipeline("words");
    Files.writeString(
        file,
        Files.readString(file)
                .replaceAll(
                    "sinks \\{ counts \\{[^\n]*\n",
                    "sinks { counts { type = jdbc, url = \"jdbc:postgresql://127.0.0.1:"
                        + port
                        + "/words?user=postgres\", table = counts } }\n")
            + "embedded-postgres { enabled = true, port = "
            + port
            + ", databases = [words] }\n");
    assertThat(Files.readString(file))
        .contains("type = jdbc")
        .doesNotContain("type = files, format = json, mode");
    Result result = lambda("batch", file.toString());
    assertThat(result.status()).as(result.err()).isZero();
    assertThat(result.err())
        .contains("embedded PostgreSQL at jdbc:postgresql://127.0.0.1:" + port + "/postgres");
    assertThat(result.out()).contains("records out              3  (counts: 3)");
    try (java.net.Socket probe = new java.net.Socket()) {
      assertThat(
              org.assertj.core.api.Assertions.catchThrowable(
                  () -> probe.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000)))
          .as("the server stopped with the run")
          .isNotNull();
    }
  }

  @Test
  void overridesFromTheCommandLine() throws Exception {
    Path file = wordsPipeline("elsewhere");
    Result result =
        lambda("batch", file.toString(), "-Dsources.lines.path=" + dir.resolve("words"));
    assertThat(result.status()).as(result.err()).isZero();
  }

  @Test
  void aRuntimeFailureExitsWithOne() throws Exception {
    Result result = lambda("batch", wordsPipeline("missing-input").toString());
    assertThat(result.status()).isEqualTo(1);
    assertThat(result.err())
        .startsWith(
            "lambda batch: pipeline 'p' failed: source 'lines' (type files) cannot be read:"
                + " [PATH_NOT_FOUND] Path does not exist: file:"
                + dir.resolve("missing-input"));
  }
}

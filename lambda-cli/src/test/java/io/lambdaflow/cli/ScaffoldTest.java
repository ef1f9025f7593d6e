package io.lambdaflow.cli;

import static io.lambdaflow.cli.LauncherTest.lambda;
import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.testkit.TestSpark;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lambda init}: the generated project builds with Maven offline against a local repository
 * holding this build's artifacts (and, through links, everything else the build downloaded), its
 * test written with the test kit passes, and its plugin runs in a batch through {@code --jars}.
 */
class ScaffoldTest {
  private static final Path ROOT = Path.of("..");

  @TempDir Path dir;

  @BeforeAll
  static void sharedSession() {
    TestSpark.session();
  }

  @Test
  void theScaffoldBuildsOfflineTestsAndRunsWithItsPlugin() throws Exception {
    Path project = dir.resolve("card-masking");
    LauncherTest.Result init = lambda("init", "card-masking", "--dir", project.toString());
    assertThat(init.status()).as(init.err()).isZero();
    assertThat(project.resolve("README.md"))
        .content()
        .contains(
            "mvn package",
            "lambda batch card-masking.conf --jars target/card-masking-0.1.0-SNAPSHOT.jar");
    assertThat(project.resolve("pom.xml"))
        .content()
        .contains("<artifactId>lambdaflow-bom</artifactId>", "<scope>import</scope>");
    assertThat(
            project.resolve(
                "src/main/resources/META-INF/services/io.lambdaflow.spi.TransformFactory"))
        .hasContent("com.example.cardmasking.MaskTransformFactory");

    Path repository = localRepository();
    Path log = dir.resolve("mvn.log");
    Process mvn =
        new ProcessBuilder("mvn", "-B", "-ntp", "-o", "-Dmaven.repo.local=" + repository, "package")
            .directory(project.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertThat(mvn.waitFor(5, TimeUnit.MINUTES)).as("mvn package within 5 minutes").isTrue();
    String output = Files.readString(log);
    assertThat(mvn.exitValue()).as(output).isZero();
    assertThat(output).contains("Tests run: 3, Failures: 0, Errors: 0, Skipped: 0");
    Path jar = project.resolve("target/card-masking-0.1.0-SNAPSHOT.jar");

    LauncherTest.Result batch =
        lambda(
            "batch",
            project.resolve("card-masking.conf").toString(),
            "--jars",
            jar.toString(),
            "-Dstorage-root=" + dir.resolve("run"),
            "-Dsources.customers.path=" + project.resolve("data/customers.csv"));

    assertThat(batch.status()).as(batch.err()).isZero();
    assertThat(batch.out()).contains("in = out + dead letters + filtered out: 4 = 4 + 0 + 0");
    List<String> written = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir.resolve("run/masked"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
        written.addAll(Files.readAllLines(file));
      }
    }
    assertThat(written)
        .containsExactlyInAnyOrder(
            "{\"id\":\"1\",\"name\":\"Ada Lovelace\",\"card\":\"************1111\"}",
            "{\"id\":\"2\",\"name\":\"Alan Turing\",\"card\":\"***********0005\"}",
            "{\"id\":\"3\",\"name\":\"Grace Hopper\",\"card\":\"42\"}",
            "{\"id\":\"4\",\"name\":\"Edsger Dijkstra\"}");
  }

  @Test
  void aNameThatCannotNameAProjectIsRefused() {
    LauncherTest.Result result = lambda("init", "Card Masking", "--dir", dir.toString());

    assertThat(result.status()).isEqualTo(Launcher.CONFIGURATION_ERROR);
    assertThat(result.err())
        .isEqualTo(
            "lambda init: 'Card Masking' cannot name a project: lower-case words joined by"
                + " hyphens, such as 'card-masking'\n");
  }

  /**
   * A local repository for the offline build: this build's parent, BOM and module jars installed as
   * {@code mvn install} would, and a link to every other folder of the repository this test runs
   * from (found from Spark's jar on the classpath), so nothing is downloaded or copied.
   */
  private Path localRepository() throws Exception {
    Path spark =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .map(Path::of)
            .filter(p -> p.getFileName().toString().startsWith("spark-sql_"))
            .findFirst()
            .orElseThrow();
    Path downloaded = spark; // repository/org/apache/spark/spark-sql_2.12/3.5.7/spark-sql...jar
    for (int up = 0; up < 6; up++) {
      downloaded = downloaded.getParent();
    }
    Path repository = Files.createDirectories(dir.resolve("repository"));
    link(downloaded, repository, "io");
    link(downloaded.resolve("io"), Files.createDirectories(repository.resolve("io")), "lambdaflow");
    String parent = Files.readString(ROOT.resolve("pom.xml"));
    String version = first("<version>([^<]+)</version>", parent);
    install(repository, "lambdaflow-parent", version, ROOT.resolve("pom.xml"), null);
    install(repository, "lambdaflow-bom", version, ROOT.resolve("lambdaflow-bom/pom.xml"), null);
    Matcher modules = Pattern.compile("<module>([^<]+)</module>").matcher(parent);
    while (modules.find()) {
      Path pom = ROOT.resolve(modules.group(1)).resolve("pom.xml");
      String artifact =
          first(
              "<artifactId>([^<]+)</artifactId>",
              Files.readString(pom).replaceAll("(?s)<parent>.*?</parent>", ""));
      Path jar = pom.resolveSibling("target").resolve(artifact + "-" + version + ".jar");
      if (Files.isRegularFile(jar)) {
        install(repository, artifact, version, pom, jar);
      }
    }
    return repository;
  }

  /** Links every entry of {@code from} into {@code to} but {@code except}. */
  private static void link(Path from, Path to, String except) throws Exception {
    try (Stream<Path> entries = Files.list(from)) {
      for (Path entry : entries.toList()) {
        if (!entry.getFileName().toString().equals(except)) {
          Files.createSymbolicLink(to.resolve(entry.getFileName().toString()), entry);
        }
      }
    }
  }

  private static void install(Path repository, String artifact, String version, Path pom, Path jar)
      throws Exception {
    Path folder =
        Files.createDirectories(
            repository.resolve("io/lambdaflow").resolve(artifact).resolve(version));
    Files.copy(pom, folder.resolve(artifact + "-" + version + ".pom"));
    if (jar != null) {
      Files.copy(jar, folder.resolve(artifact + "-" + version + ".jar"));
    }
  }

  private static String first(String regex, String text) {
    Matcher m = Pattern.compile(regex).matcher(text);
    if (!m.find()) {
      throw new AssertionError("no match for " + regex);
    }
    return m.group(1);
  }
}

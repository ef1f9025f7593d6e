package io.lambdaflow.cli;

import static io.lambdaflow.cli.LauncherTest.lambda;
import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.cli.LauncherTest.Result;
import io.lambdaflow.config.PipelineLoader;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.serving.ServingLayer;
import io.lambdaflow.testkit.TestSpark;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third-party layer and a third-party serving engine, each compiled at test time against the
 * framework's modules alone and packed in its own jar, used by short name with no change to the
 * library.
 */
class PluginJarsTest {
  @TempDir Path dir;

  @BeforeAll
  static void sharedSession() {
    TestSpark.session();
  }

  /** A pipeline with one view over JSON files, published once by a batch run. */
  private Path published(String engine, String... jars) throws Exception {
    Path data = Files.createDirectories(dir.resolve("events"));
    Files.write(
        data.resolve("e.json"),
        List.of("{\"host\":\"a\"}", "{\"host\":\"b\"}", "{\"host\":\"a\"}"));
    Path file = dir.resolve("p.conf");
    Files.writeString(
        file,
        "layers = [batch]\n"
            + "storage-root = \""
            + dir.resolve("store")
            + "\"\n"
            + "metastore.enabled = false\n"
            + "sources { events { type = files, format = json, schema = \"host STRING\", path = \""
            + data
            + "\" } }\n"
            + "views { per_host { type = aggregate, input = events, group-by = [host],"
            + " measures { events = count } } }\n"
            + "serving.engine "
            + engine
            + "\n");
    Result batch =
        jars.length == 0
            ? lambda("batch", file.toString())
            : lambda("batch", file.toString(), "--jars", jars[0]);
    assertThat(batch.status()).as(batch.err()).isZero();
    return file;
  }

  @Test
  void aLayerFromItsOwnJarRunsByName() throws Exception {
    Path jar = FixtureJars.build(dir, "published", List.of("lambda-api", "lambda-core"));
    Path file = published("= duckdb");

    Result without = lambda("published", file.toString());
    assertThat(without.status()).isEqualTo(2);
    assertThat(without.err()).startsWith("lambda: unknown verb 'published'");

    Result misspelt = lambda("publishd", file.toString(), "--jars", jar.toString());
    assertThat(misspelt.status()).isEqualTo(2);
    assertThat(misspelt.err())
        .startsWith(
            "lambda: unknown verb 'publishd'; did you mean 'published'? (verbs: airflow, batch,"
                + " broker, cluster, help, ingest, init, package, plugins, postgres, preview,"
                + " produce, published, registry, replay, schedule, serve, speed, submit, test,"
                + " ui, validate)\n");

    Result run =
        lambda("published", file.toString(), "--view", "per_host", "--jars", jar.toString());
    assertThat(run.status()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("published run 1\n  per_host: 2 rows\n");

    Result listed = lambda("plugins", "--jars", jar.toString());
    assertThat(listed.out())
        .contains(
            "layer types:\n  batch - ",
            "  published - prints what the last batch run published\n"
                + "      --view (a string; optional): Only this view.\n");
  }

  @Test
  void aServingEngineFromItsOwnJarIsUsedByName() throws Exception {
    Path jar = FixtureJars.build(dir, "audited", List.of("lambda-api", "lambda-core"));
    Path log = dir.resolve("audit.log");
    Path file = published("{ type = audited, log = \"" + log + "\" }", jar.toString());

    Result without = lambda("validate", file.toString());
    assertThat(without.status()).isEqualTo(2);
    assertThat(without.err())
        .isEqualTo(
            file
                + ": 1 configuration problem:\n  "
                + file
                + ":6: serving.engine.type: unknown serving engine type 'audited' (known serving"
                + " engine types: duckdb, spark); if a plugin jar provides it, add the jar with"
                + " --jars\n");
    Path misspelt = dir.resolve("misspelt.conf");
    Files.writeString(misspelt, Files.readString(file).replace("audited", "audted"));
    Result typo = lambda("validate", misspelt.toString(), "--jars", jar.toString());
    assertThat(typo.status()).isEqualTo(2);
    assertThat(typo.err())
        .contains(
            misspelt
                + ":6: serving.engine.type: unknown serving engine type 'audted'; did you"
                + " mean 'audited'? (known serving engine types: audited, duckdb, spark)");

    try (URLClassLoader plugins =
        new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader())) {
      PipelineLoader loader = new PipelineLoader(PluginRegistry.discover(plugins), plugins);
      Pipeline pipeline = loader.load(file, Map.of(), Set.of());
      try (ServingLayer serving =
          ServingLayer.open(pipeline, SparkSession::active, new Configuration())) {
        serving.refresh();
        assertThat(serving.engine().name()).isEqualTo("audited");
        QueryResult answer = serving.query("SELECT host, events FROM per_host ORDER BY host");
        assertThat(answer.rows()).containsExactly(List.of("a", 2L), List.of("b", 1L));
      }
      assertThat(Files.readAllLines(log))
          .contains("SELECT host, events FROM per_host ORDER BY host");
    }
  }
}

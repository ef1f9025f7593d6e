package io.lambdaflow.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.pipeline.Expectation;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.spi.ExecutionMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineLoaderTest {
  private static final String DEAD_LETTER = "dead-letter { type = out, path = dl }\n";

  @TempDir Path dir;

  private List<String> problems(String text) throws Exception {
    Path file = dir.resolve("p.conf");
    Files.writeString(file, text);
    try {
      TestPlugins.loader().load(file, Map.of(), Set.of(ExecutionMode.BATCH));
    } catch (ConfigurationException e) {
      return e.problems().stream().map(p -> p.toString().replace(dir + "/", "")).toList();
    }
    throw new AssertionError("expected problems");
  }

  private Pipeline valid(String text, Map<String, String> overrides) throws Exception {
    Path file = dir.resolve("ok.conf");
    Files.writeString(file, text);
    return TestPlugins.loader().load(file, overrides, Set.of(ExecutionMode.BATCH));
  }

  @Test
  void reportsEveryProblemAtOnceWithFileAndLine() throws Exception {
    List<String> problems =
        problems(
            """
            layers = [batch]
            sources {
              events { type = memory, rows = many }
            }
            transforms = [
              { type = fliter, condition = "x > 1" }
            ]
            sinks {
              out { type = out }
            }
            """
                + DEAD_LETTER);

    assertThat(problems)
        .containsExactly(
            "p.conf:3: sources.events.rows: expected an integer, got string 'many'",
            "p.conf:6: transforms[0].type: unknown transform type 'fliter'; did you mean 'filter'?"
                + " (known transform types: filter, noop)",
            "p.conf:9: sinks.out.path: missing required option 'path' (a string) of sink type 'out':"
                + " Where to write.");
  }

  @Test
  void unknownKeysAreErrorsWithTheClosestMatch() throws Exception {
    List<String> problems =
        problems(
            """
            layers = [batch]
            sorces { }
            sources { events { type = memory, rows = 1, rwos = 2 } }
            sinks { out { type = out, path = x } }
            """
                + DEAD_LETTER);

    assertThat(problems)
        .contains(
            "p.conf:2: sorces: unknown key 'sorces' in a pipeline; did you mean 'sources'? (known"
                + " keys: dead-letter, embedded-kafka, embedded-postgres, embedded-s3, ingest, layers, master,"
                + " metastore, metrics, name,"
                + " schedule, serving, sinks,"
                + " sources, spark, speed, storage-root, store, transforms, views)",
            "p.conf:3: sources.events.rwos: unknown option 'rwos' for source type 'memory'; did you"
                + " mean 'rows'? (known options: dimension, refresh, rows, type)");
  }

  @Test
  void aSinkMayNameTheLayersThatWriteIt() throws Exception {
    Pipeline pipeline =
        valid(
            "layers = [batch]\nsources { events { type = memory, rows = 1 } }\n"
                + "sinks {\n  lake { type = out, path = a, layers = [batch] }\n"
                + "  all { type = out, path = b }\n}\n"
                + DEAD_LETTER,
            Map.of());
    assertThat(pipeline.sinksIn(ExecutionMode.BATCH))
        .extracting(io.lambdaflow.pipeline.SinkNode::name)
        .containsExactly("lake", "all");
    assertThat(pipeline.sinksIn(ExecutionMode.STREAMING))
        .extracting(io.lambdaflow.pipeline.SinkNode::name)
        .containsExactly("all");
    assertThat(
            problems(
                "layers = [batch]\nsources { events { type = memory, rows = 1 } }\n"
                    + "sinks { lake { type = out, path = a, layers = [speed] } }\n"
                    + DEAD_LETTER))
        .containsExactly(
            "p.conf:3: sinks.lake.layers: expected the layers that write this sink, e.g. [batch],"
                + " 'speed' is not one of the pipeline's layers [batch]");
  }

  @Test
  void undefinedInputsAndCyclesAreCaught() throws Exception {
    List<String> problems =
        problems(
            """
            layers = [batch]
            sources { events { type = memory, rows = 1 } }
            transforms = [
              { name = a, type = noop, input = b }
              { name = b, type = noop, input = a }
              { name = c, type = noop, input = evnts }
            ]
            sinks { out { type = out, path = x, input = c } }
            """
                + DEAD_LETTER);

    assertThat(problems)
        .contains(
            "p.conf:6: transforms[2].input: input 'evnts' is not a source or transform of this"
                + " pipeline; did you mean 'events'? (defined: a, b, c, events)",
            "p.conf:2: sources.events: source 'events' is read by no transform or sink; remove it or"
                + " use it as an input")
        .anySatisfy(p -> assertThat(p).contains("the transforms form a cycle: a -> b -> a"));
  }

  @Test
  void rejectsALayerAPluginCannotRun() throws Exception {
    List<String> problems =
        problems(
            """
            layers = [batch, speed]
            sources { events { type = memory, rows = 1 } }
            sinks { out { type = out, path = x } }
            """
                + DEAD_LETTER);

    assertThat(problems)
        .containsExactly(
            "p.conf:2: sources.events.type: source type 'memory' cannot be read by the speed layer"
                + " (it supports: batch); remove 'speed' from layers or choose another source type",
            "p.conf:3: sinks.out.type: sink type 'out' cannot be written by the speed layer (it"
                + " supports: batch); remove 'speed' from layers or choose another sink type",
            "p.conf:4: dead-letter.type: sink type 'out' cannot be written by the speed layer (it"
                + " supports: batch); remove 'speed' from layers or choose another sink type");
  }

  @Test
  void syntaxErrorsInExpressionsAreFoundBeforeSparkStarts() throws Exception {
    List<String> problems =
        problems(
            """
            layers = [batch]
            sources { events { type = memory, rows = 1 } }
            transforms = [ { type = filter, condition = "amount >" } ]
            sinks { out { type = out, path = x } }
            """
                + DEAD_LETTER);

    assertThat(problems).hasSize(1);
    assertThat(problems.get(0))
        .startsWith("p.conf:3: transforms[0].condition: expected a Spark SQL expression, ");
  }

  @Test
  void expectationsAreCheckedWithFileAndLine() throws Exception {
    List<String> problems =
        problems(
            """
            layers = [batch]
            sources { events { type = memory, rows = 1 } }
            transforms = [ { type = noop, expect = [
              { name = positive, condition = "amount >", on-failure = quarantine }
              { name = positive, condition = "amount > 0", on-failure = ignore }
              { condition = "x > 1" }
            ] } ]
            sinks { out { type = out, path = x } }
            views { v { type = append, expect = { name = x } } }
            """
                + DEAD_LETTER);

    assertThat(problems)
        .contains(
            "p.conf:4: transforms[0].expect[0].condition: expected a Spark SQL expression,"
                + " [PARSE_SYNTAX_ERROR] Syntax error at or near end of input.(line 1, pos 8)",
            "p.conf:5: transforms[0].expect[1].on-failure: expected one of [warn, drop,"
                + " quarantine, fail], got 'ignore'",
            "p.conf:6: transforms[0].expect[2].name: missing required option 'name' (a string) of"
                + " an expectation: The expectation's name.",
            "p.conf:9: views.v.expect: expected a list of expectations, [ { name ="
                + " positive_amount, condition = \"amount > 0\", on-failure = quarantine } ], got"
                + " object");
  }

  @Test
  void expectationNamesMayNotBeTheMetricsOwnColumns() throws Exception {
    List<String> problems =
        problems(
            """
            layers = [batch]
            sources { events { type = memory, rows = 1 } }
            transforms = [ { type = noop, expect = [ { name = _dropped, condition = "x > 1" } ] } ]
            sinks { out { type = out, path = x } }
            """
                + DEAD_LETTER);
    assertThat(problems)
        .containsExactly(
            "p.conf:3: transforms[0].expect[0].name: expectation name '_dropped' is not usable as"
                + " a metric name; use letters, digits and '_', starting with a letter (and not"
                + " 'records')");
  }

  @Test
  void expectationsDefaultToWarnAndKeepTheirOrder() throws Exception {
    Pipeline pipeline =
        valid(
            """
            layers = [batch]
            sources { events { type = memory, rows = 1 } }
            transforms = [ { type = noop, expect = [
              { name = b, condition = "x > 1" }
              { name = a, condition = "y IS NOT NULL", on-failure = fail }
            ] } ]
            sinks { out { type = out, path = x } }
            """
                + DEAD_LETTER,
            Map.of());
    assertThat(pipeline.transforms().get(0).expectations())
        .containsExactly(
            new Expectation("b", "x > 1", Expectation.Policy.WARN),
            new Expectation("a", "y IS NOT NULL", Expectation.Policy.FAIL));
  }

  @Test
  void chainsDefaultTheirInputsAndSinksWriteTheLastTransform() throws Exception {
    Pipeline pipeline =
        valid(
            """
            layers = [batch]
            sources { events { type = memory, rows = 1 } }
            transforms = [
              { type = noop }
              { name = kept, type = filter, condition = "x > 1" }
            ]
            sinks { out { type = out, path = x } }
            """
                + DEAD_LETTER,
            Map.of());

    assertThat(pipeline.name()).isEqualTo("ok");
    assertThat(pipeline.transforms())
        .extracting(t -> t.name() + "<-" + t.inputs())
        .containsExactly("noop_1<-[events]", "kept<-[noop_1]");
    assertThat(pipeline.sinks().get(0).input()).isEqualTo("kept");
  }

  @Test
  void commandLineOverridesWinAndSecretsAreRedacted() throws Exception {
    Pipeline pipeline =
        valid(
            """
            layers = [batch]
            storage-root = /from/file
            sources { events { type = memory, rows = 1 } }
            sinks { out { type = out, path = x, credentials = hunter2 } }
            spark.conf { "spark.hadoop.fs.s3a.secret.key" = abc123 }
            """
                + DEAD_LETTER,
            Map.of(
                "storage-root", "hdfs://namenode:8020/lambda", "embedded-kafka.topics", "[a, b]"));

    assertThat(pipeline.storageRoot()).isEqualTo("hdfs://namenode:8020/lambda");
    assertThat(pipeline.embeddedKafka().topics()).containsExactly("a", "b");
    assertThat(pipeline.effectiveConfig())
        .doesNotContain("hunter2")
        .doesNotContain("abc123")
        .contains("credentials=\"******\"");
  }

  @Test
  void aValueFromTheEnvironmentIsNeverEchoedAndIsPlacedWhereItWasReferenced() throws Exception {
    String path = System.getenv("PATH");
    List<String> problems =
        problems(
            """
            layers = [batch]
            sources {
              events { type = memory, rows = ${?PATH} }
            }
            sinks { out { type = out, path = x } }
            serving { port = 8088, token = "", max-rows = ${?PATH} }
            """
                + DEAD_LETTER);

    assertThat(problems)
        .containsExactly(
            "p.conf:3: sources.events.rows: expected an integer, got a value from an environment"
                + " variable (not shown)",
            "p.conf:6: serving.max-rows: expected an integer, got a value from an environment"
                + " variable (not shown)");
    assertThat(String.join("\n", problems)).doesNotContain(path);
  }

  @Test
  void bindingTheServingLayerBeyondLoopbackNeedsATokenAndTls() throws Exception {
    assertThat(
            problems(
                """
                layers = [batch]
                sources { events { type = memory, rows = 1 } }
                sinks { out { type = out, path = x } }
                serving {
                  host = "0.0.0.0"
                }
                """
                    + DEAD_LETTER))
        .containsExactly(
            "p.conf:5: serving.host: binding '0.0.0.0' reaches beyond loopback, which needs"
                + " serving.token (LAMBDA_SERVING_TOKEN) and serving.tls-keystore: set both, or"
                + " bind 127.0.0.1");
  }

  @Test
  void theServingMemoryLimitIsAPositiveSize() throws Exception {
    assertThat(
            problems(
                """
                layers = [batch]
                sources { events { type = memory, rows = 1 } }
                sinks { out { type = out, path = x } }
                serving {
                  memory-limit = lots
                }
                """
                    + DEAD_LETTER))
        .containsExactly(
            "p.conf:5: serving.memory-limit: expected a size such as '512MB' or '2GB', got string 'lots'");
  }

  @Test
  void enginesStoresAndLayersAreFoundByNameWithTheClosestMatch() throws Exception {
    assertThat(
            problems(
                """
                layers = [batch, sped]
                sources { events { type = memory, rows = 1 } }
                sinks { out { type = out, path = x } }
                serving {
                  engine = dukdb
                }
                store { type = folder }
                """
                    + DEAD_LETTER))
        .containsExactly(
            "p.conf:1: layers: unknown layer 'sped'; did you mean 'speed'? (known layers: batch,"
                + " speed)",
            "p.conf:5: serving.engine.type: unknown serving engine type 'dukdb'; did you mean"
                + " 'duckdb'?"
                + " (known serving engine types: duckdb)",
            "p.conf:7: store.type: unknown view store type 'folder'; did you mean 'folders'?"
                + " (known view store types: folders)");
  }

  @Test
  void aFrameworkSectionSetToNullIsAProblemNotACrash() throws Exception {
    assertThat(
            problems(
                """
                layers = [batch]
                sources { events { type = memory, rows = 1 } }
                sinks { out { type = out, path = x } }
                speed = null
                speed { trigger = "10 seconds", checkpoint-root = "/cp" }
                """
                    + DEAD_LETTER))
        .containsExactly(
            "p.conf:5: speed.dimension-refresh: missing required option 'dimension-refresh' (a"
                + " duration such as '10 seconds' or '500ms') of the speed section: How often a"
                + " dimension source is read again.",
            "p.conf:5: speed.driver-write-limit: missing required option 'driver-write-limit' (an"
                + " integer) of the speed section: Micro-batches of at most this many records have"
                + " their views written by the driver.",
            "p.conf:5: speed.restart: missing 'speed.restart': reference.conf gives it a default,"
                + " so it was set to null here, or reference.conf is not on the classpath");
  }

  @Test
  void aNegativeDriverWriteLimitIsAProblem() throws Exception {
    assertThat(
            problems(
                """
                layers = [batch]
                sources { events { type = memory, rows = 1 } }
                sinks { out { type = out, path = x } }
                speed.driver-write-limit = -1
                """
                    + DEAD_LETTER))
        .containsExactly("p.conf:4: speed.driver-write-limit: expected 0 or more records, got -1");
  }

  @Test
  void engineAndStoreOptionsAreValidatedLikeAPlugins() throws Exception {
    assertThat(
            problems(
                """
                layers = [batch]
                sources { events { type = memory, rows = 1 } }
                sinks { out { type = out, path = x } }
                serving.engine { type = duckdb, threads = some }
                store { type = folders, keep = 3 }
                """
                    + DEAD_LETTER))
        .containsExactly(
            "p.conf:4: serving.engine.threads: expected an integer, got string 'some'",
            "p.conf:5: store.keep: unknown option 'keep' for view store type 'folders' (known"
                + " options: keep-published, type)");
    assertThat(
            problems(
                """
                layers = [batch]
                sources { events { type = memory, rows = 1 } }
                sinks { out { type = out, path = x } }
                store { type = folders, keep-published = 0 }
                """
                    + DEAD_LETTER))
        .containsExactly(
            "p.conf:4: store.keep-published: must be at least 2 (the newest and one before it),"
                + " got 0");
    Pipeline pipeline =
        valid(
            """
            layers = [batch]
            sources { events { type = memory, rows = 1 } }
            sinks { out { type = out, path = x } }
            serving.engine { type = duckdb, threads = 3 }
            store { type = folders, keep-published = 4 }
            """
                + DEAD_LETTER,
            Map.of());
    assertThat(pipeline.contract().serving().engine().type()).isEqualTo("duckdb");
    assertThat(
            pipeline.contract().serving().engine().options().get(TestPlugins.StandInEngine.THREADS))
        .isEqualTo(3);
    assertThat(pipeline.contract().store().type()).isEqualTo("folders");
  }

  @Test
  void aPlainIncludeOfAMissingFileIsAProblem() throws Exception {
    assertThat(
            problems(
                """
                layers = [batch]
                include "missing.conf"
                sources { events { type = memory, rows = 1 } }
                sinks { out { type = out, path = x } }
                """
                    + DEAD_LETTER))
        .containsExactly(
            "p.conf:2: include \"missing.conf\" finds no file (looked in "
                + dir.toAbsolutePath()
                + "); fix the name, or write include required(\"missing.conf\") to make a"
                + " missing file an error everywhere");
  }

  @Test
  void deepNestingIsAProblemNotAStackOverflow() throws Exception {
    assertThat(problems("a = " + "{ b = ".repeat(4000) + "1" + " }".repeat(4000)))
        .containsExactly("p.conf:1: nesting deeper than 64 levels; a pipeline never needs that");
  }

  @Test
  void aMissingCloseBraceIsReportedWhereTheBraceOpened() throws Exception {
    assertThat(
            problems(
                """
                layers = [batch]
                sources {
                  events { type = memory, rows = 1 }
                sinks { out { type = out } }
                """))
        .containsExactly("p.conf:2: '{' opened here is never closed: a '}' is missing");
    assertThat(problems("layers = [batch]\nsources { events = [1, 2} }\n"))
        .containsExactly("p.conf:2: '}' closes the '[' opened at line 2");
  }

  @Test
  void deadLettersDefaultToFilesUnderTheStorageRoot() throws Exception {
    // The 'files' sink is not in this registry: the default dead-letter sink is reported missing.
    List<String> problems =
        problems(
            """
            layers = [batch]
            storage-root = /data
            sources { events { type = memory, rows = 1 } }
            sinks { out { type = out, path = x } }
            """);

    assertThat(problems).hasSize(1);
    assertThat(problems.get(0))
        .matches("reference.conf:\\d+: dead-letter.type: unknown sink type 'files'.*");
  }

  @Test
  void anUnsetEnvironmentVariableIsNamed() {
    assertThatThrownBy(
            () ->
                valid(
                    """
                    layers = [batch]
                    sources { events { type = memory, rows = 1 } }
                    sinks { out { type = out, path = x, credentials = ${LAMBDA_TEST_UNSET_PASSWORD} } }
                    """
                        + DEAD_LETTER,
                    Map.of()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(
            "ok.conf:3: cannot resolve ${LAMBDA_TEST_UNSET_PASSWORD}: it is neither a key of the"
                + " pipeline nor a set environment variable");
  }

  @Test
  void aMissingFileIsOneClearProblem() {
    assertThatThrownBy(
            () ->
                TestPlugins.loader()
                    .load(dir.resolve("absent.conf"), Map.of(), Set.of(ExecutionMode.BATCH)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("absent.conf: pipeline file not found");
  }
}

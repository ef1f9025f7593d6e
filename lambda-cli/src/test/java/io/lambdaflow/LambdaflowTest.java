package io.lambdaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.Transform;
import io.lambdaflow.spi.TransformFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The programmatic API as the README shows it: a plugin instance, a file, a batch run. */
class LambdaflowTest {
  @TempDir Path dir;

  /** An application's own transform, registered as an instance (no services file). */
  static final class Shout implements TransformFactory {
    static final ConfigOption<String> COLUMN =
        ConfigOption.required("column", OptionTypes.string(), "The column to shout.");

    public String name() {
      return "shout";
    }

    public String description() {
      return "Upper-cases a column.";
    }

    public Options options() {
      return Options.of(COLUMN);
    }

    public Transform create(PluginConfig config, PluginContext context) {
      String column = config.get(COLUMN);
      return ctx -> ctx.input().withColumn(column, functions.upper(functions.col(column)));
    }
  }

  @Test
  void loadsAFileWithAPluginInstanceRunsABatchAndReturnsItsSummary() throws Exception {
    Files.createDirectories(dir.resolve("in"));
    Files.writeString(
        dir.resolve("in/words.json"), "{\"word\":\"lambda\"}\n{\"word\":\"flow\"}\nnot json\n");
    Path file =
        Files.writeString(
            dir.resolve("words.conf"),
            """
            layers = [batch]
            storage-root = "%s"
            metastore.enabled = false
            sources { words { type = files, format = json, path = "%s", schema = "word STRING" } }
            transforms = [{ name = loud, type = shout, inputs = [words], column = word }]
            sinks { out { type = files, format = json, input = loud, path = "%s" } }
            """
                .formatted(dir.resolve("store"), dir.resolve("in"), dir.resolve("out")));

    try (Lambdaflow lambda = Lambdaflow.builder().plugin(new Shout()).build()) {
      Pipeline pipeline = lambda.load(file);
      RunSummary summary = lambda.batch(pipeline);

      assertThat(summary.recordsIn()).containsEntry("words", 3L);
      assertThat(summary.recordsOut()).containsEntry("out", 2L);
      assertThat(summary.deadLetters()).isEqualTo(1);
      assertThat(
              lambda
                  .spark(pipeline)
                  .read()
                  .json(dir.resolve("out").toString())
                  .collectAsList()
                  .stream()
                  .map(r -> r.<String>getAs("word"))
                  .sorted()
                  .toList())
          .containsExactly("FLOW", "LAMBDA");
      assertThatThrownBy(() -> lambda.start("nightly", pipeline))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("no layer named 'nightly'; layers: [")
          .hasMessageContaining("batch");
    }
  }

  @Test
  void aMistakeInPipelineTextNamesItsLineAndKey() {
    try (Lambdaflow lambda = Lambdaflow.create()) {
      assertThatThrownBy(
              () ->
                  lambda.parse(
                      "layers = [batch]\nsources { s { type = nosuch } }\n",
                      "inline.conf",
                      Map.of()))
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("inline.conf:2")
          .hasMessageContaining("sources.s.type");
    }
  }

  @Test
  void theJvmFlagsSparkNeedsAreInTheJar() {
    List<String> flags = Lambdaflow.jvmFlags();
    assertThat(flags).contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED").hasSize(16);
    Lambdaflow.checkJvmFlags(); // surefire's argLine has them
  }
}

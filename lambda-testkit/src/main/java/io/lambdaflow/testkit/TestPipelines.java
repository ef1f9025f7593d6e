package io.lambdaflow.testkit;

import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.config.PipelineLoader;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelinePlanner;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.spi.ExecutionMode;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * Pipelines from HOCON text, validated through plugin discovery exactly as the command line does,
 * and small helpers for test data.
 */
public final class TestPipelines {
  private TestPipelines() {}

  /** The loader over every plugin on the test classpath. */
  public static PipelineLoader loader() {
    ClassLoader classLoader = Thread.currentThread().getContextClassLoader();
    return new PipelineLoader(PluginRegistry.discover(classLoader), classLoader);
  }

  /** Validates {@code hocon} for the batch layer; fails the test with every problem if invalid. */
  public static Pipeline batch(String hocon) {
    try {
      return loader().parse(hocon, "test.conf", Map.of(), Set.of(ExecutionMode.BATCH));
    } catch (ConfigurationException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  /** Validates {@code hocon} for the batch layer and returns the failure; fails if it is valid. */
  public static ConfigurationException invalid(String hocon) {
    try {
      loader().parse(hocon, "test.conf", Map.of(), Set.of(ExecutionMode.BATCH));
    } catch (ConfigurationException e) {
      return e;
    }
    throw new AssertionError("expected configuration problems in:\n" + hocon);
  }

  /**
   * Plans {@code pipeline} in the batch layer on the shared session, without writing anything. The
   * plan's sink inputs and dead letters can be collected and asserted.
   */
  public static PipelinePlanner.Plan plan(Pipeline pipeline) {
    return PipelinePlanner.plan(
        pipeline, TestSpark.session(), ExecutionMode.BATCH, new PipelinePlanner.Hooks() {});
  }

  /** The rows {@code sink} would receive (metadata columns removed), sorted by their text. */
  public static List<Row> rows(Pipeline pipeline, String sink) {
    Dataset<Row> data = plan(pipeline).sinkInputs().get(sink);
    if (data == null) {
      throw new AssertionError(
          "no sink named '" + sink + "' in pipeline '" + pipeline.name() + "'");
    }
    return sorted(PipelinePlanner.withoutMetadata(data).collectAsList());
  }

  /** The dead letters the pipeline's transforms produce, sorted by their text. */
  public static List<Row> deadLetters(Pipeline pipeline) {
    return plan(pipeline).deadLetters().map(d -> sorted(d.collectAsList())).orElse(List.of());
  }

  private static List<Row> sorted(List<Row> rows) {
    List<Row> copy = new java.util.ArrayList<>(rows);
    copy.sort(java.util.Comparator.comparing(Row::toString));
    return copy;
  }

  /** Writes lines to a text file, creating its directory. */
  public static Path writeLines(Path file, List<String> lines) {
    try {
      java.nio.file.Files.createDirectories(file.getParent());
      return java.nio.file.Files.write(file, lines);
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A one-column dataset of strings named {@code value}, like a text file or Kafka value. */
  public static Dataset<Row> lines(List<String> lines) {
    return TestSpark.session().createDataset(lines, Encoders.STRING()).toDF("value");
  }

  /** A HOCON string literal for a path (quoted and escaped). */
  public static String quoted(Path path) {
    return "\""
        + path.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"")
        + "\"";
  }
}

package io.lambdaflow.cli;

import static org.apache.spark.sql.functions.col;

import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.config.PipelineLoader;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelinePlanner;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.SourceNode;
import io.lambdaflow.pipeline.SparkSessions;
import io.lambdaflow.pipeline.TransformNode;
import io.lambdaflow.spi.DeadLetters;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.Suggestions;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code lambda preview FILE --stage NAME [--rows N]}: the first rows after any source or
 * transform, read as a batch run would read them (whole, no horizon), and that stage's dead letters
 * with their reasons, so a cleaning step that quietly does nothing shows itself before a run.
 * Writes nothing.
 */
final class Preview {
  private static final int WIDTH = 40; // a cell's characters at most

  private Preview() {}

  static int run(PipelineLoader loader, CommandLine command, PrintStream out, PrintStream err) {
    String stage = command.options().get("stage");
    if (command.file() == null || stage == null) {
      err.println("lambda preview: usage: lambda preview FILE --stage NAME [--rows N]");
      return Launcher.CONFIGURATION_ERROR;
    }
    int rows = positive(command.options().getOrDefault("rows", "10"));
    if (rows < 1) {
      err.println("lambda preview: --rows expects a positive number");
      return Launcher.CONFIGURATION_ERROR;
    }
    Pipeline pipeline;
    try {
      pipeline = loader.load(command.file(), command.overrides(), Set.of());
    } catch (ConfigurationException e) {
      err.println(command.file() + ": " + e.getMessage());
      return Launcher.CONFIGURATION_ERROR;
    }
    Set<String> stages = new LinkedHashSet<>();
    pipeline.sources().stream().map(SourceNode::name).forEach(stages::add);
    pipeline.transforms().stream().map(TransformNode::name).forEach(stages::add);
    if (!stages.contains(stage)) {
      err.println("lambda preview: " + Suggestions.unknown("stage", stage, stages, "stages"));
      return Launcher.CONFIGURATION_ERROR;
    }
    try {
      SparkSession spark = SparkSessions.start(pipeline);
      PipelinePlanner.Plan plan =
          PipelinePlanner.plan(
              pipeline, spark, ExecutionMode.BATCH, new PipelinePlanner.Hooks() {});
      Dataset<Row> data = PipelinePlanner.withoutMetadata(plan.outputs().get(stage));
      out.println("stage '" + stage + "', the first " + rows + " row(s):");
      print(data.columns(), data.limit(rows).collectAsList(), out);
      Optional<Dataset<Row>> letters =
          plan.deadLetters()
              .map(d -> d.where(col(DeadLetters.STAGE).equalTo(stage)))
              .map(d -> d.select(DeadLetters.REASON, DeadLetters.RAW));
      List<Row> rejected = letters.map(d -> d.limit(rows).collectAsList()).orElse(List.of());
      out.println();
      out.println("dead letters at '" + stage + "', the first " + rows + ":");
      if (rejected.isEmpty()) {
        out.println("  none");
      } else {
        for (Row letter : rejected) {
          out.println("  - " + letter.getString(0));
          out.println("    " + cut(String.valueOf(letter.get(1)), 2 * WIDTH));
        }
      }
      return Launcher.OK;
    } catch (RuntimeException e) {
      err.println(
          "lambda preview: "
              + (e instanceof PipelineRunException
                  ? e.getMessage()
                  : PipelineRunException.firstLine(e)));
      return Launcher.RUNTIME_FAILURE;
    }
  }

  private static String cut(String text, int width) {
    String line = text.replaceAll("\\s+", " ");
    return line.length() > width ? line.substring(0, width - 3) + "..." : line;
  }

  private static int positive(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Rows as a table: a header, one line per row, cells cut at {@link #WIDTH} characters. */
  static void print(String[] columns, List<Row> rows, PrintStream out) {
    List<String[]> cells = new ArrayList<>();
    cells.add(columns);
    for (Row row : rows) {
      String[] line = new String[columns.length];
      for (int i = 0; i < columns.length; i++) {
        line[i] = cut(String.valueOf(row.get(i)), WIDTH);
      }
      cells.add(line);
    }
    int[] widths = new int[columns.length];
    for (String[] line : cells) {
      for (int i = 0; i < line.length; i++) {
        widths[i] = Math.max(widths[i], line[i].length());
      }
    }
    for (String[] line : cells) {
      StringBuilder text = new StringBuilder(" ");
      for (int i = 0; i < line.length; i++) {
        text.append(" | ").append(String.format("%-" + widths[i] + "s", line[i]));
      }
      out.println(text.append(" |").toString().stripTrailing());
    }
  }
}

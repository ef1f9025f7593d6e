package io.lambdaflow.cli;

import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.config.PipelineLoader;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.layer.AnswersQueries;
import io.lambdaflow.layer.Layer;
import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelinePlanner;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.SinkNode;
import io.lambdaflow.pipeline.SparkSessions;
import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.spi.DeadLetters;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.PluginConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code lambda test FILE [--fixtures DIR] [--update]}: runs the pipeline on its input fixtures in
 * each of its layers (batch, then speed with an available-now trigger), each in a fresh temporary
 * storage root with its sinks captured, and compares what came out with the expected files: {@code
 * expected/views/<view>.csv} (the view as the serving layer answers it), {@code
 * expected/sinks/<sink>.csv} (the rows the pipeline gave the sink) and {@code
 * expected/dead-letters.csv} (stage, position, reason, raw). Both layers must give the same. {@code
 * --update} writes the expected files from the first layer's outputs instead.
 */
final class FixtureRun {
  static final List<String> DEAD_LETTER_COLUMNS =
      List.of(DeadLetters.STAGE, DeadLetters.POSITION, DeadLetters.REASON, DeadLetters.RAW);

  private final PluginRegistry registry;
  private final PipelineLoader loader;
  private final CommandLine command;
  private final PrintStream out;
  private final PrintStream err;
  private final Path expected;
  private final List<String> inputPrefixes;
  private int compared;
  private int failed;

  private FixtureRun(
      PluginRegistry registry,
      PipelineLoader loader,
      CommandLine command,
      Path fixtures,
      PrintStream out,
      PrintStream err) {
    this.registry = registry;
    this.loader = loader;
    this.command = command;
    this.expected = fixtures.resolve("expected");
    String input = fixtures.resolve("input").toAbsolutePath().normalize() + "/";
    this.inputPrefixes = List.of("file://" + input, "file:" + input, input);
    this.out = out;
    this.err = err;
  }

  /** The folder of a pipeline file's fixtures by default: {@code fixtures/<name>/} beside it. */
  static Path defaultFixtures(Path file) {
    String name = file.getFileName().toString().replaceFirst("\\.conf$", "");
    return file.toAbsolutePath().getParent().resolve("fixtures").resolve(name);
  }

  static int run(
      PluginRegistry registry,
      PipelineLoader loader,
      CommandLine command,
      PrintStream out,
      PrintStream err) {
    if (command.file() == null) {
      err.println("lambda test: which pipeline file? usage: lambda test FILE [--fixtures DIR]");
      return Launcher.CONFIGURATION_ERROR;
    }
    Path fixtures =
        command.flags().containsKey("--fixtures")
            ? Path.of(command.flags().get("--fixtures"))
            : defaultFixtures(command.file());
    if (!Files.isDirectory(fixtures.resolve("input"))) {
      err.println(
          "lambda test: no fixtures for "
              + command.file()
              + ": put each source's records in "
              + fixtures.resolve("input").resolve("<source>.<extension>")
              + " and the expected outputs in "
              + fixtures.resolve("expected")
              + " (lambda test FILE --update writes them)");
      return Launcher.CONFIGURATION_ERROR;
    }
    Pipeline pipeline;
    try {
      pipeline = loader.load(command.file(), command.overrides());
    } catch (ConfigurationException e) {
      err.println(command.file() + ": " + e.getMessage());
      return Launcher.CONFIGURATION_ERROR;
    }
    return new FixtureRun(registry, loader, command, fixtures, out, err)
        .run(pipeline, fixtures.resolve("input"));
  }

  private int run(Pipeline pipeline, Path input) {
    Path root = null;
    try (FixtureInputs inputs = new FixtureInputs()) {
      root = Files.createTempDirectory("lambda-test-");
      Map<String, String> fed = inputs.feed(pipeline, input);
      boolean update = command.flags().containsKey("--update");
      Set<String> seen = new LinkedHashSet<>(); // every layer's outputs (a sink may run in one)
      for (ExecutionMode mode : List.of(ExecutionMode.BATCH, ExecutionMode.STREAMING)) {
        if (pipeline.layers().contains(mode)) {
          Map<String, FixtureTable> outputs = outputs(mode, fed, root.resolve(mode.layerName()));
          if (update) {
            // The first layer with an output writes its file; the next layers are compared with it.
            Map<String, FixtureTable> first = new LinkedHashMap<>(outputs);
            first.keySet().removeAll(seen);
            write(first);
          }
          seen.addAll(outputs.keySet());
          compare(mode, outputs);
        }
      }
      List<String> strays = strays(seen);
      for (String stray : strays) {
        compared++;
        failed++;
        out.println("FAIL " + stray + ": the pipeline has no such output");
      }
      out.println(
          failed == 0
              ? "lambda test: all " + compared + " output(s) as expected"
              : "lambda test: " + failed + " of " + compared + " output(s) differ");
      return failed == 0 ? Launcher.OK : Launcher.RUNTIME_FAILURE;
    } catch (FixtureInputs.FixtureException | ConfigurationException e) {
      err.println("lambda test: " + e.getMessage());
      return Launcher.CONFIGURATION_ERROR;
    } catch (IOException | UncheckedIOException e) {
      err.println("lambda test: " + e.getMessage());
      return Launcher.RUNTIME_FAILURE;
    } catch (Exception e) { // a layer failed: Spark throws checked exceptions undeclared
      err.println(
          "lambda test: pipeline '"
              + pipeline.name()
              + "' failed: "
              + (e instanceof PipelineRunException
                  ? e.getMessage()
                  : PipelineRunException.firstLine(e)));
      return Launcher.RUNTIME_FAILURE;
    } finally {
      delete(root);
    }
  }

  /** Runs one layer on the fixtures in {@code root}; its outputs by expected file name. */
  private Map<String, FixtureTable> outputs(ExecutionMode mode, Map<String, String> fed, Path root)
      throws Exception {
    Map<String, String> overrides = new LinkedHashMap<>(command.overrides());
    overrides.putAll(fed);
    overrides.put("storage-root", root.toString());
    // Nothing of a test run outside its folder: a file may put these beside the storage root.
    overrides.put("speed.checkpoint-root", root.resolve("checkpoints").toString());
    overrides.put("serving.cache-dir", "");
    overrides.put("speed.trigger", "available-now");
    overrides.put("metastore.enabled", "false");
    overrides.put("serving.host", "127.0.0.1");
    overrides.put("serving.port", "0");
    overrides.put("serving.token", "");
    Path captured = root.resolve("captured");
    Pipeline pipeline =
        CapturedSinks.into(loader.load(command.file(), overrides, Set.of(mode)), captured);
    SparkSession spark = SparkSessions.start(pipeline);
    try (Layer layer = layer(mode.layerName(), pipeline, spark)) {
      layer.start();
      layer.await();
    }
    Map<String, FixtureTable> outputs = new LinkedHashMap<>();
    if (pipeline.hasViews()) {
      try (Layer serve = layer("serve", pipeline, spark)) {
        serve.start();
        AnswersQueries answers = serve.answers().orElseThrow();
        answers.refresh();
        for (ViewNode view : pipeline.views()) {
          QueryResult result = answers.query("SELECT * FROM " + view.name());
          if (result.truncated()) {
            throw new IOException(
                "view '" + view.name() + "' has more rows than serving.max-rows answers");
          }
          outputs.put("views/" + view.name(), table(result.columns(), result.rows()));
        }
      }
    }
    for (SinkNode sink : pipeline.sinksIn(mode)) {
      outputs.put(
          "sinks/" + sink.name(), table(CapturedSinks.read(spark, captured, sink.name()), null));
    }
    outputs.put(
        "dead-letters",
        table(
            CapturedSinks.read(spark, captured, pipeline.deadLetter().name()),
            DEAD_LETTER_COLUMNS));
    return outputs;
  }

  private Layer layer(String name, Pipeline pipeline, SparkSession spark) {
    LayerFactory factory =
        registry
            .layer(name)
            .orElseThrow(() -> new IllegalStateException("no layer named '" + name + "'"));
    return factory.create(
        new LayerContext(
            pipeline,
            new PluginConfig(name, factory.options(), Map.of()),
            () -> spark,
            new PrintStream(PrintStream.nullOutputStream())));
  }

  /** Captured rows as a table: {@code columns} of them (those present), else all but metadata. */
  private FixtureTable table(java.util.Optional<Dataset<Row>> written, List<String> columns) {
    if (written.isEmpty()) {
      return new FixtureTable(columns == null ? List.of() : columns, List.of());
    }
    Dataset<Row> data = PipelinePlanner.withoutMetadata(written.get());
    if (columns != null) {
      List<String> present = Arrays.asList(data.columns());
      data = data.selectExpr(columns.stream().filter(present::contains).toArray(String[]::new));
    }
    List<List<Object>> rows = new ArrayList<>();
    for (Row row : data.collectAsList()) {
      List<Object> values = new ArrayList<>();
      for (int i = 0; i < row.size(); i++) {
        values.add(row.get(i));
      }
      rows.add(values);
    }
    return table(Arrays.asList(data.columns()), rows);
  }

  /**
   * A table of {@code rows}, where the fixtures' own folder ({@code file:///.../input/events.jsonl}
   * in a dead letter's position, say) reads {@code input/events.jsonl}, the same on every machine.
   */
  private FixtureTable table(List<String> columns, List<List<Object>> rows) {
    List<List<Object>> relative = new ArrayList<>();
    for (List<Object> row : rows) {
      List<Object> values = new ArrayList<>();
      for (Object value : row) {
        values.add(value instanceof String text ? relative(text) : value);
      }
      relative.add(values);
    }
    return FixtureTable.of(columns, relative);
  }

  private String relative(String text) {
    String result = text;
    for (String prefix : inputPrefixes) {
      result = result.replace(prefix, "input/");
    }
    return result;
  }

  private void write(Map<String, FixtureTable> outputs) throws IOException {
    for (Map.Entry<String, FixtureTable> output : outputs.entrySet()) {
      Path file = expected.resolve(output.getKey() + ".csv");
      output.getValue().write(file);
      out.println("wrote " + file + " (" + output.getValue().rows().size() + " rows)");
    }
  }

  private void compare(ExecutionMode mode, Map<String, FixtureTable> outputs) throws IOException {
    out.println(mode.layerName() + " layer:");
    for (Map.Entry<String, FixtureTable> output : outputs.entrySet()) {
      compared++;
      Path file = expected.resolve(output.getKey() + ".csv");
      String what = output.getKey().replaceFirst("^(view|sink)s/", "$1 ");
      if (!Files.isRegularFile(file)) {
        failed++;
        out.println("  FAIL " + what + ": no expected file " + file + " (--update writes it)");
        continue;
      }
      List<String> diff = output.getValue().diff(FixtureTable.read(file));
      if (diff.isEmpty()) {
        out.println("  ok   " + what + " (" + output.getValue().rows().size() + " rows)");
      } else {
        failed++;
        out.println("  FAIL " + what + " differs from " + file + " (- expected, + actual):");
        diff.forEach(line -> out.println("       " + line));
      }
    }
  }

  /** Expected files that name no output of the pipeline: a renamed view, a removed sink. */
  private List<String> strays(Set<String> outputs) throws IOException {
    List<String> strays = new ArrayList<>();
    for (String folder : List.of("views", "sinks")) {
      Path dir = expected.resolve(folder);
      if (Files.isDirectory(dir)) {
        try (Stream<Path> files = Files.list(dir)) {
          files
              .map(f -> folder + "/" + f.getFileName().toString().replaceFirst("\\.csv$", ""))
              .filter(name -> !outputs.contains(name))
              .sorted()
              .forEach(name -> strays.add(expected.resolve(name + ".csv").toString()));
        }
      }
    }
    return strays;
  }

  private static void delete(Path root) {
    if (root == null) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary folder left behind is no reason to fail the test run
    }
  }
}

package io.lambdaflow.cli;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.config.PipelineLoader;
import io.lambdaflow.layer.Layer;
import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.ShutdownHooks;
import io.lambdaflow.pipeline.SparkSessions;
import io.lambdaflow.registry.PluginKind;
import io.lambdaflow.registry.PluginModule;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.Suggestions;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FSError;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code lambda} command: parses arguments, validates before anything starts, runs a layer by
 * name (any {@link LayerFactory} on the classpath: batch, speed, serve or a plugin's). Exit status:
 * 0 success, 2 a configuration or usage error, 1 a failure while running.
 */
public final class Launcher {
  public static final int OK = 0;
  public static final int RUNTIME_FAILURE = 1;
  public static final int CONFIGURATION_ERROR = 2;

  private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);
  private static final Set<String> VERBS =
      Set.of(
          "validate",
          "preview",
          "test",
          "init",
          "broker",
          "postgres",
          "registry",
          "cluster",
          "package",
          "submit",
          "produce",
          "airflow",
          "plugins",
          "help");

  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;

  public Launcher(PrintStream out, PrintStream err) {
    this(System.in, out, err);
  }

  public Launcher(InputStream in, PrintStream out, PrintStream err) {
    this.in = requireNonNull(in, "in is null");
    this.out = requireNonNull(out, "out is null");
    this.err = requireNonNull(err, "err is null");
  }

  /** Runs one command; returns the exit status. */
  public int run(String[] args) {
    if (args.length == 1 && args[0].equals("--version")) {
      out.println("lambda " + io.lambdaflow.Lambdaflow.version());
      return OK;
    }
    String verb = CommandLine.verbOf(args);
    ClassLoader plugins;
    try {
      plugins = PluginListing.classLoader(CommandLine.jarsOf(args));
    } catch (CommandLine.UsageException | IllegalArgumentException e) {
      err.println("lambda: " + e.getMessage());
      return CONFIGURATION_ERROR;
    }
    ClassLoader previous = Thread.currentThread().getContextClassLoader();
    Thread.currentThread().setContextClassLoader(plugins);
    try {
      Injector injector =
          Guice.createInjector(
              Stage.PRODUCTION,
              new AbstractModule() {
                @Override
                protected void configure() {
                  binder().requireExplicitBindings();
                  binder().disableCircularProxies();
                  install(new PluginModule(plugins));
                }
              });
      PluginRegistry registry = injector.getInstance(PluginRegistry.class);
      // The built-in verbs come first: a layer plugin cannot take one over.
      Optional<LayerFactory> layer = VERBS.contains(verb) ? Optional.empty() : registry.layer(verb);
      if (layer.isEmpty() && !VERBS.contains(verb)) {
        Set<String> known = new TreeSet<>(registry.all(PluginKind.LAYER).keySet());
        known.addAll(VERBS);
        err.println("lambda: " + Suggestions.unknown("verb", verb, known, "verbs"));
        err.print(Usage.usage(registry));
        return CONFIGURATION_ERROR;
      }
      CommandLine command;
      try {
        command =
            layer.isPresent()
                ? CommandLine.parse(args, switches(layer.get(), true), switches(layer.get(), false))
                : CommandLine.parse(args);
      } catch (CommandLine.UsageException e) {
        err.println("lambda: " + e.getMessage());
        err.print(Usage.usage(registry));
        return CONFIGURATION_ERROR;
      }
      if (command.help() || verb.equals("help")) {
        out.print(Usage.help(verb, layer, registry));
        return OK;
      }
      PipelineLoader loader = injector.getInstance(PipelineLoader.class);
      if (layer.isPresent()) {
        return runLayer(layer.get(), loader, command);
      }
      return switch (verb) {
        case "plugins" -> {
          PluginListing.print(registry, out);
          yield OK;
        }
        case "validate" -> validate(loader, command);
        case "preview" -> Preview.run(loader, command, out, err);
        case "test" -> FixtureRun.run(registry, loader, command, out, err);
        case "init" -> Scaffold.run(command, out, err);
        case "broker" -> Services.broker(command, out, err);
        case "postgres" -> Services.postgres(command, out, err);
        case "registry" -> Services.registry(command, out, err);
        case "cluster" -> Services.cluster(command, out, err);
        case "package" -> Submit.pack(loader, command, out, err);
        case "submit" -> Submit.submit(loader, command, out, err);
        case "produce" -> Producer.run(command, in, err);
        case "airflow" -> AirflowDag.command(loader, command, out, err);
        default -> throw new IllegalStateException("verb " + verb);
      };
    } finally {
      Thread.currentThread().setContextClassLoader(previous);
    }
  }

  /** A layer's boolean options (switches) or its other options (flags with a value), dashed. */
  private static Set<String> switches(LayerFactory layer, boolean booleans) {
    return layer.options().all().stream()
        .filter(o -> isBoolean(o) == booleans)
        .map(o -> "--" + o.key())
        .collect(Collectors.toSet());
  }

  private static boolean isBoolean(ConfigOption<?> option) {
    try {
      return option.type().convert("true") instanceof Boolean;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private int validate(PipelineLoader loader, CommandLine command) {
    if (command.file() == null) {
      err.println("lambda validate: which pipeline file? usage: lambda validate FILE");
      return CONFIGURATION_ERROR;
    }
    try {
      Pipeline pipeline = loader.load(command.file(), command.overrides(), Set.of());
      out.println(
          command.file()
              + ": pipeline '"
              + pipeline.name()
              + "' is valid for layers "
              + pipeline.layers().stream().map(ExecutionMode::layerName).sorted().toList()
              + ": "
              + pipeline.sources().size()
              + " source(s), "
              + pipeline.transforms().size()
              + " transform(s), "
              + pipeline.sinks().size()
              + " sink(s)");
      return OK;
    } catch (ConfigurationException e) {
      err.println(command.file() + ": " + e.getMessage());
      return CONFIGURATION_ERROR;
    }
  }

  /**
   * Runs one layer: validates the pipeline for it, starts the services the file asks for, starts
   * the layer and waits for it. A continuous layer stops cleanly on SIGTERM or Ctrl-C.
   */
  private int runLayer(LayerFactory factory, PipelineLoader loader, CommandLine command) {
    String verb = command.verb();
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> flag : command.options().entrySet()) {
      ConfigOption<?> option = factory.options().find(flag.getKey()).orElseThrow();
      try {
        values.put(option.key(), option.type().convert(flag.getValue()));
      } catch (IllegalArgumentException e) {
        err.println(
            "lambda "
                + verb
                + ": --"
                + option.key()
                + " expects "
                + option.type().expectation()
                + ", "
                + e.getMessage());
        return CONFIGURATION_ERROR;
      }
    }
    PluginConfig options = new PluginConfig(verb, factory.options(), values);
    Optional<String> wrong = LayerOptions.problem(factory, options);
    if (wrong.isPresent()) {
      err.println("lambda " + verb + ": " + wrong.get());
      return CONFIGURATION_ERROR;
    }
    Map<String, String> overrides = new LinkedHashMap<>(command.overrides());
    overrides.putAll(factory.overrides(command.options()));
    Optional<Pipeline> prepared = prepare(loader, command.withOverrides(overrides), factory.mode());
    if (prepared.isEmpty()) {
      return CONFIGURATION_ERROR;
    }
    Pipeline pipeline = prepared.get();
    Supplier<SparkSession> spark =
        new Supplier<>() {
          private SparkSession session;

          @Override
          public synchronized SparkSession get() {
            if (session == null) {
              session = SparkSessions.start(pipeline);
            }
            return session;
          }
        };
    Layer layer;
    try {
      layer = factory.create(new LayerContext(pipeline, options, spark, out));
    } catch (IllegalArgumentException e) {
      err.println("lambda " + verb + ": " + e.getMessage());
      return CONFIGURATION_ERROR;
    } catch (RuntimeException e) {
      LOG.debug("the {} layer could not be created", verb, e);
      err.println("lambda " + verb + ": cannot create the layer: " + reason(e));
      return RUNTIME_FAILURE;
    }
    try (EmbeddedServices services =
            factory.mode().isPresent()
                ? EmbeddedServices.start(pipeline, err)
                : EmbeddedServices.none();
        layer) {
      if (factory.continuous()) {
        // SIGTERM or Ctrl-C, from the moment the layer starts: stop (a speed layer after its
        // current micro-batch), return, exit 0. Any other shutdown does the same before Spark's own
        // hooks stop the executor. A layer closed while it starts stops once it has started.
        ShutdownHooks.onTermination("the " + verb + " layer", layer::close);
        ShutdownHooks.beforeSpark(
            () -> {
              layer.close();
              services.close();
            });
      }
      layer.start();
      layer.await();
      return OK;
    } catch (Exception | FSError e) { // Spark: checked exceptions undeclared; Hadoop: FSError
      LOG.debug("the {} layer failed", verb, e);
      err.println("lambda " + verb + ": pipeline '" + pipeline.name() + "' failed: " + reason(e));
      return RUNTIME_FAILURE;
    }
  }

  /** What failed: our own message when we wrapped it, else the point of Spark's or Hadoop's. */
  private static String reason(Throwable e) {
    return e instanceof PipelineRunException ? e.getMessage() : PipelineRunException.firstLine(e);
  }

  /**
   * The pipeline the command names, loaded and validated for {@code mode} (when the layer reads
   * sources) and its effective configuration logged; empty after saying what is wrong.
   */
  private Optional<Pipeline> prepare(
      PipelineLoader loader, CommandLine command, Optional<ExecutionMode> mode) {
    if (command.file() == null) {
      err.println(
          "lambda "
              + command.verb()
              + ": which pipeline file? usage: lambda "
              + command.verb()
              + " FILE");
      return Optional.empty();
    }
    Pipeline pipeline;
    try {
      pipeline =
          loader.load(command.file(), command.overrides(), mode.map(Set::of).orElse(Set.of()));
    } catch (ConfigurationException e) {
      err.println(command.file() + ": " + e.getMessage());
      return Optional.empty();
    }
    LOG.info("pipeline '{}' from {}", pipeline.name(), command.file());
    LOG.debug(
        "pipeline '{}' from {}, effective configuration (secrets redacted):\n{}",
        pipeline.name(),
        command.file(),
        pipeline.effectiveConfig());
    if (!command.jars().isEmpty()) {
      // Executors on a cluster need the plugin jars too; SparkConf reads spark.* system properties.
      System.setProperty(
          "spark.jars",
          command.jars().stream()
              .map(p -> p.toAbsolutePath().toString())
              .collect(Collectors.joining(",")));
    }
    return Optional.of(pipeline);
  }
}

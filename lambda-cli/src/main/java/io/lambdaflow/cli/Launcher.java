package io.lambdaflow.cli;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.config.PipelineLoader;
import io.lambdaflow.pipeline.ContractSettings;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.ShutdownHooks;
import io.lambdaflow.pipeline.SparkSessions;
import io.lambdaflow.registry.PluginKind;
import io.lambdaflow.registry.PluginModule;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.serving.HttpApi;
import io.lambdaflow.serving.ServingLayer;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.speed.SupervisedPipeline;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.PluginFactory;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSError;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code lambda} command: parses arguments, validates before anything starts, runs a layer.
 * Exit status: 0 success, 2 a configuration or usage error, 1 a failure while running.
 */
public final class Launcher {
  public static final int OK = 0;
  public static final int RUNTIME_FAILURE = 1;
  public static final int CONFIGURATION_ERROR = 2;

  private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);

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
    CommandLine command;
    try {
      command = CommandLine.parse(args);
    } catch (CommandLine.UsageException e) {
      err.println("lambda: " + e.getMessage());
      err.print(Usage.USAGE);
      return CONFIGURATION_ERROR;
    }
    if (!Usage.VERB_HELP.containsKey(command.verb())) {
      err.println("lambda: unknown verb '" + command.verb() + "'");
      err.print(Usage.USAGE);
      return CONFIGURATION_ERROR;
    }
    if (command.help() || command.verb().equals("help")) {
      out.print(Usage.VERB_HELP.get(command.verb()));
      return OK;
    }
    ClassLoader plugins;
    try {
      plugins = pluginClassLoader(command.jars());
    } catch (IllegalArgumentException e) {
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
      return switch (command.verb()) {
        case "plugins" -> listPlugins(injector.getInstance(PluginRegistry.class));
        case "validate" -> validate(injector.getInstance(PipelineLoader.class), command);
        case "batch" -> batch(injector.getInstance(PipelineLoader.class), command);
        case "speed" -> speed(injector.getInstance(PipelineLoader.class), command);
        case "serve" -> serve(injector.getInstance(PipelineLoader.class), command);
        case "broker" -> Services.broker(command, out, err);
        case "produce" -> Services.produce(command, in, err);
        default -> throw new IllegalStateException("verb " + command.verb());
      };
    } finally {
      Thread.currentThread().setContextClassLoader(previous);
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

  private int batch(PipelineLoader loader, CommandLine command) {
    java.util.Optional<Pipeline> prepared = prepare(loader, command, ExecutionMode.BATCH);
    if (prepared.isEmpty()) {
      return CONFIGURATION_ERROR;
    }
    Pipeline pipeline = prepared.get();
    try (EmbeddedServices services = EmbeddedServices.start(pipeline, err)) {
      SparkSession spark = SparkSessions.start(pipeline);
      RunSummary summary =
          new BatchLayer(spark)
              .run(
                  pipeline,
                  new BatchLayer.RunOptions(
                      command.has("--recompute"), command.has("--accept-gap")));
      out.print(summary.render());
      return OK;
    } catch (Exception | FSError e) { // Spark: checked exceptions undeclared; Hadoop: FSError
      LOG.debug("batch run failed", e);
      err.println("lambda batch: pipeline '" + pipeline.name() + "' failed: " + reason(e));
      return RUNTIME_FAILURE;
    }
  }

  private int speed(PipelineLoader loader, CommandLine command) {
    java.util.Optional<Pipeline> prepared = prepare(loader, command, ExecutionMode.STREAMING);
    if (prepared.isEmpty()) {
      return CONFIGURATION_ERROR;
    }
    Pipeline pipeline = prepared.get();
    try (EmbeddedServices services = EmbeddedServices.start(pipeline, err)) {
      SparkSession spark = SparkSessions.start(pipeline);
      SupervisedPipeline running = new SpeedLayer(spark).run(pipeline);
      // SIGTERM or Ctrl-C: finish the current micro-batch, stop, return and exit 0. Any other
      // shutdown does the same before Spark's own hooks stop the executor.
      ShutdownHooks.onTermination("the speed layer", running::close);
      ShutdownHooks.beforeSpark(
          () -> {
            running.close();
            services.close();
          });
      out.println(
          "speed layer of '"
              + pipeline.name()
              + "' running "
              + running.current().queries().size()
              + " queries; checkpoints under "
              + pipeline.speed().checkpointRoot()
              + "; Ctrl-C stops after the current micro-batch");
      running.awaitTermination();
      out.println("speed layer of '" + pipeline.name() + "' stopped");
      return OK;
    } catch (Exception | FSError e) { // Spark: checked exceptions undeclared; Hadoop: FSError
      LOG.debug("speed layer failed", e);
      err.println("lambda speed: pipeline '" + pipeline.name() + "' failed: " + reason(e));
      return RUNTIME_FAILURE;
    }
  }

  private int serve(PipelineLoader loader, CommandLine command) {
    Map<String, String> overrides = new java.util.LinkedHashMap<>(command.overrides());
    if (command.flags().containsKey("--engine")) {
      overrides.put("serving.engine", command.flag("--engine", "duckdb"));
    }
    if (command.flags().containsKey("--port")) {
      overrides.put("serving.port", command.flag("--port", "8088"));
    }
    if (command.flags().containsKey("--host")) {
      overrides.put("serving.host", command.flag("--host", "127.0.0.1"));
    }
    java.util.Optional<Pipeline> prepared =
        prepare(
            loader,
            new CommandLine(
                command.verb(),
                command.file(),
                overrides,
                command.jars(),
                command.flags(),
                command.help()),
            null);
    if (prepared.isEmpty()) {
      return CONFIGURATION_ERROR;
    }
    Pipeline pipeline = prepared.get();
    if (!pipeline.hasViews()) {
      err.println(
          "lambda serve: pipeline '"
              + pipeline.name()
              + "' declares no views; add a views { ... } section to serve it");
      return CONFIGURATION_ERROR;
    }
    ContractSettings.Serving settings = pipeline.contract().serving();
    CountDownLatch stopped = new CountDownLatch(1);
    try {
      // The default engine needs no Spark session: it starts in a second.
      ServingLayer serving =
          settings.engine().equals("spark")
              ? ServingLayer.withSpark(pipeline, SparkSessions.start(pipeline))
              : ServingLayer.withDuckDb(pipeline, new Configuration());
      serving.start();
      HttpApi api = HttpApi.start(serving, settings.host(), settings.port());
      // SIGTERM or Ctrl-C: stop serving, delete the cache, exit 0; any other shutdown does the
      // same before Spark's hooks stop the engine's session.
      AtomicBoolean closed = new AtomicBoolean();
      Runnable stop =
          () -> {
            if (closed.compareAndSet(false, true)) {
              api.close();
              serving.close();
            }
            stopped.countDown();
          };
      ShutdownHooks.onTermination("serving", stop);
      ShutdownHooks.beforeSpark(stop);
      out.println(
          "serving the views of '"
              + pipeline.name()
              + "' with "
              + serving.engine().name()
              + " at "
              + api.url()
              + "\n  "
              + api.url()
              + "/views\n  "
              + api.url()
              + "/views/"
              + pipeline.views().get(0).name()
              + "\n  curl -d 'SELECT * FROM "
              + pipeline.views().get(0).name()
              + " LIMIT 10' "
              + api.url()
              + "/query\nCtrl-C stops it");
      stopped.await();
      out.println("serving of '" + pipeline.name() + "' stopped");
      return OK;
    } catch (Exception | FSError e) {
      LOG.debug("serving failed", e);
      err.println("lambda serve: pipeline '" + pipeline.name() + "' failed: " + reason(e));
      return RUNTIME_FAILURE;
    }
  }

  /** What failed: our own message when we wrapped it, else the point of Spark's or Hadoop's. */
  private static String reason(Throwable e) {
    return e instanceof PipelineRunException ? e.getMessage() : PipelineRunException.firstLine(e);
  }

  /**
   * Loads and validates the command's pipeline for one layer and logs its effective configuration;
   * returns null after printing the problems when it cannot run.
   */
  /** The pipeline the command names, loaded and validated; empty after saying what is wrong. */
  private java.util.Optional<Pipeline> prepare(
      PipelineLoader loader, CommandLine command, ExecutionMode mode) {
    if (command.file() == null) {
      err.println(
          "lambda "
              + command.verb()
              + ": which pipeline file? usage: lambda "
              + command.verb()
              + " FILE");
      return java.util.Optional.empty();
    }
    Pipeline pipeline;
    try {
      pipeline =
          loader.load(command.file(), command.overrides(), mode == null ? Set.of() : Set.of(mode));
    } catch (ConfigurationException e) {
      err.println(command.file() + ": " + e.getMessage());
      return java.util.Optional.empty();
    }
    LOG.info(
        "pipeline '{}' from {}, effective configuration (secrets redacted):\n{}",
        pipeline.name(),
        command.file(),
        pipeline.effectiveConfig());
    useJarsOnExecutors(command);
    return java.util.Optional.of(pipeline);
  }

  private static void useJarsOnExecutors(CommandLine command) {
    if (!command.jars().isEmpty()) {
      // Executors on a cluster need the plugin jars too; SparkConf reads spark.* system properties.
      System.setProperty(
          "spark.jars",
          command.jars().stream()
              .map(p -> p.toAbsolutePath().toString())
              .collect(Collectors.joining(",")));
    }
  }

  private int listPlugins(PluginRegistry registry) {
    for (PluginKind kind : PluginKind.values()) {
      out.println(kind.label() + " types:");
      for (PluginFactory factory : registry.all(kind).values()) {
        out.println("  " + factory.name() + " - " + factory.description());
        for (ConfigOption<?> option : factory.options().all()) {
          String detail =
              option.isRequired()
                  ? "required"
                  : option.defaultValue().map(v -> "default " + v).orElse("optional");
          out.println(
              "      "
                  + option.key()
                  + " ("
                  + option.type().expectation()
                  + "; "
                  + detail
                  + "): "
                  + option.description());
        }
      }
    }
    return OK;
  }

  private static ClassLoader pluginClassLoader(List<Path> jars) {
    ClassLoader parent = Launcher.class.getClassLoader();
    if (jars.isEmpty()) {
      return parent;
    }
    List<URL> urls = new ArrayList<>();
    for (Path jar : jars) {
      if (!Files.isRegularFile(jar)) {
        throw new IllegalArgumentException("plugin jar not found: " + jar);
      }
      try {
        urls.add(jar.toAbsolutePath().toUri().toURL());
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException(
            "cannot use plugin jar " + jar + ": " + e.getMessage(), e);
      }
    }
    return new URLClassLoader("lambda-plugins", urls.toArray(URL[]::new), parent);
  }
}

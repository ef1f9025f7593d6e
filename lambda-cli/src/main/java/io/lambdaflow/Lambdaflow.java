package io.lambdaflow;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.batch.RunSummary;
import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.config.PipelineLoader;
import io.lambdaflow.layer.Layer;
import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.SparkSessions;
import io.lambdaflow.registry.PluginKind;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.SparkSession;

/**
 * The library's entry point for applications that embed pipelines: load a pipeline from a file or
 * HOCON text, register plugin instances of your own, run a batch run or start any layer, and get
 * the run summary. What {@code bin/lambda} does, without the command line:
 *
 * <pre>{@code
 * try (Lambdaflow lambda = Lambdaflow.builder().plugin(new MyTransformFactory()).build()) {
 *   Pipeline pipeline = lambda.load(Path.of("conf/quickstart.conf"));
 *   RunSummary summary = lambda.batch(pipeline);          // one batch run
 *   try (Layer speed = lambda.start("speed", pipeline)) {  // or any layer plugin, started
 *     ...
 *   }
 * }
 * }</pre>
 *
 * <p>Spark needs {@link #jvmFlags()} on Java 17; {@link #create()} and {@link Builder#build()} say
 * so when they are missing. One Spark session serves every pipeline of an instance (started with
 * the first one's {@code spark.conf}, or the application's own if one runs already); {@link
 * #close()} stops every layer started here, and the session if it started it.
 */
public final class Lambdaflow implements AutoCloseable {
  private final PluginRegistry registry;
  private final PipelineLoader loader;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private SparkSession spark;
  private boolean ownsSpark;

  private Lambdaflow(PluginRegistry registry, ClassLoader classLoader) {
    this.registry = registry;
    this.loader = new PipelineLoader(registry, classLoader);
  }

  /** An instance with every plugin on the classpath. */
  public static Lambdaflow create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of an instance: where plugins are found, and plugin instances of your own. */
  public static final class Builder {
    private ClassLoader classLoader = Lambdaflow.class.getClassLoader();
    private final List<PluginFactory> plugins = new ArrayList<>();

    private Builder() {}

    /** Where plugins (their {@code META-INF/services} entries) and config files are found. */
    public Builder classLoader(ClassLoader classLoader) {
      this.classLoader = Objects.requireNonNull(classLoader, "classLoader is null");
      return this;
    }

    /** Registers plugin instances beside the discovered ones (sources, transforms, sinks...). */
    public Builder plugin(PluginFactory... factories) {
      plugins.addAll(Arrays.asList(factories));
      return this;
    }

    /**
     * @throws IllegalStateException when the JVM lacks {@link #jvmFlags()}, or two plugins share a
     *     name
     */
    public Lambdaflow build() {
      checkJvmFlags();
      return new Lambdaflow(PluginRegistry.discover(classLoader).plus(plugins), classLoader);
    }
  }

  /**
   * This build's version, and what it runs on: "0.1.0 (Spark 3.5.7, Scala 2.12.18, Java 17.0.15)".
   */
  public static String version() {
    return resource("version").strip()
        + " (Spark "
        + org.apache.spark.package$.MODULE$.SPARK_VERSION()
        + ", Scala "
        + scala.util.Properties.versionNumberString()
        + ", Java "
        + Runtime.version()
        + ")";
  }

  /** The JVM flags Spark needs on Java 17 ({@code --add-opens ...}), as bin/lambda passes them. */
  public static List<String> jvmFlags() {
    return List.of(resource("jvm.options").strip().split("\\s+"));
  }

  /** A file the build wrote into the jar beside this class (resources-filtered). */
  private static String resource(String name) {
    try (InputStream in = Lambdaflow.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("io/lambdaflow/" + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Fails with the flags to add when Spark could not run here (its first reflective access). */
  static void checkJvmFlags() {
    Module unnamed = Lambdaflow.class.getClassLoader().getUnnamedModule();
    if (!Object.class.getModule().isOpen("sun.nio.ch", unnamed)) {
      throw new IllegalStateException(
          "Spark needs these JVM flags on Java 17, and this JVM was started without them: "
              + String.join(" ", jvmFlags())
              + " (bin/lambda passes them; in Maven put them in surefire's argLine, in Gradle in"
              + " jvmArgs)");
    }
  }

  /**
   * Loads and validates a pipeline file for the layers it declares.
   *
   * @throws ConfigurationException naming file:line and key of each problem
   */
  public Pipeline load(Path file) throws ConfigurationException {
    return load(file, Map.of());
  }

  /** As {@link #load(Path)}, with {@code -Dkey=value} overrides (keys relative to the pipeline). */
  public Pipeline load(Path file, Map<String, String> overrides) throws ConfigurationException {
    return loader.load(file, overrides);
  }

  /** Loads and validates pipeline text (HOCON), named {@code name} in messages. */
  public Pipeline parse(String hocon, String name) throws ConfigurationException {
    return parse(hocon, name, Map.of());
  }

  public Pipeline parse(String hocon, String name, Map<String, String> overrides)
      throws ConfigurationException {
    return loader.parse(hocon, name, overrides);
  }

  /** One batch run of {@code pipeline}: its sinks, the master dataset, the views; its summary. */
  public RunSummary batch(Pipeline pipeline) {
    return new BatchLayer(spark(pipeline)).run(pipeline);
  }

  /**
   * Creates and starts a layer by name ({@code batch}, {@code speed}, {@code serve} or a layer
   * plugin's) with its default options; its output (summaries, URLs) goes to standard output. Close
   * it to stop it; {@link #close()} stops it too.
   *
   * @throws IllegalArgumentException when no layer has that name
   */
  public synchronized Layer start(String layer, Pipeline pipeline) throws Exception {
    LayerFactory factory =
        registry
            .layer(layer)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "no layer named '"
                            + layer
                            + "'; layers: "
                            + registry.all(PluginKind.LAYER).keySet()));
    Layer created =
        factory.create(
            new LayerContext(
                pipeline,
                new PluginConfig(layer, factory.options(), Map.of()),
                () -> spark(pipeline),
                System.out));
    started.push(created);
    created.start();
    return created;
  }

  /** The instance's Spark session, started with the first pipeline's {@code spark.conf}. */
  public synchronized SparkSession spark(Pipeline pipeline) {
    if (spark == null) {
      ownsSpark = SparkSession.getDefaultSession().isEmpty(); // the application's own stays up
      spark = SparkSessions.start(pipeline);
    }
    return spark;
  }

  /** Stops every layer started here (last first) and the Spark session; safe to call twice. */
  @Override
  public synchronized void close() {
    while (!started.isEmpty()) {
      try {
        started.pop().close();
      } catch (Exception e) {
        // a layer that cannot stop cleanly must not keep the others or Spark running
      }
    }
    if (spark != null && ownsSpark) {
      spark.stop();
    }
    spark = null;
  }
}

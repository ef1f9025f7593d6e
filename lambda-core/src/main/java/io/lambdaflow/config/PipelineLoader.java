package io.lambdaflow.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.lambdaflow.pipeline.ContractSettings;
import io.lambdaflow.pipeline.EmbeddedKafkaSettings;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.SinkNode;
import io.lambdaflow.pipeline.SourceNode;
import io.lambdaflow.pipeline.SparkSettings;
import io.lambdaflow.pipeline.SpeedSettings;
import io.lambdaflow.pipeline.TransformNode;
import io.lambdaflow.pipeline.Triggers;
import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.registry.PluginKind;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.InvalidOptionException;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.PluginFactory;
import io.lambdaflow.spi.SinkFactory;
import io.lambdaflow.spi.SinkSpec;
import io.lambdaflow.spi.SourceFactory;
import io.lambdaflow.spi.SourceSpec;
import io.lambdaflow.spi.Suggestions;
import io.lambdaflow.spi.SupportsBatchRead;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.SupportsStreamRead;
import io.lambdaflow.spi.SupportsStreamWrite;
import io.lambdaflow.spi.Transform;
import io.lambdaflow.spi.TransformFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads a pipeline file, merges it with defaults and overrides, and validates all of it before any
 * Spark session exists. Every problem is collected and reported together, each with file:line, key
 * path and what was expected.
 *
 * <p>Precedence, highest first: command-line overrides, JVM system properties under {@code
 * lambda.pipeline}, the pipeline file, then {@code lambda.pipeline} in every {@code reference.conf}
 * on the classpath. {@code ${?VAR}} reads the environment.
 */
public final class PipelineLoader {
  /** Where pipeline defaults live in {@code reference.conf}. */
  public static final String ROOT = "lambda.pipeline";

  private static final Set<String> TOP_LEVEL_KEYS =
      Set.of(
          "name",
          "layers",
          "storage-root",
          "spark",
          "sources",
          "transforms",
          "sinks",
          "dead-letter",
          "speed",
          "embedded-kafka",
          "views",
          "master",
          "serving",
          "metastore");
  private static final ConfigOption<Boolean> KAFKA_ENABLED =
      ConfigOption.optional("enabled", OptionTypes.bool(), false, "Start a broker before the run.");
  private static final ConfigOption<Integer> KAFKA_PORT =
      ConfigOption.optional("port", OptionTypes.integer(), 9092, "Its port on 127.0.0.1.");
  private static final ConfigOption<List<String>> KAFKA_TOPICS =
      ConfigOption.optional("topics", OptionTypes.stringList(), List.of(), "Topics to create.");
  private static final ConfigOption<Integer> KAFKA_PARTITIONS =
      ConfigOption.optional(
          "partitions", OptionTypes.integer(), 1, "Partitions per created topic.");
  private static final Options EMBEDDED_KAFKA =
      Options.of(KAFKA_ENABLED, KAFKA_PORT, KAFKA_TOPICS, KAFKA_PARTITIONS);
  private static final Set<String> SPEED_KEYS = Set.of("trigger", "checkpoint-root", "restart");
  private static final ConfigOption<Integer> RESTART_ATTEMPTS =
      ConfigOption.optional(
          "attempts", OptionTypes.integer(), 10, "Restarts in a row before giving up.");
  private static final ConfigOption<java.time.Duration> RESTART_BACKOFF =
      ConfigOption.optional(
          "backoff",
          OptionTypes.duration(),
          java.time.Duration.ofSeconds(5),
          "The wait before the first restart.");
  private static final ConfigOption<java.time.Duration> RESTART_MAX_BACKOFF =
      ConfigOption.optional(
          "max-backoff",
          OptionTypes.duration(),
          java.time.Duration.ofMinutes(1),
          "The longest wait.");
  private static final Options RESTART_OPTIONS =
      Options.of(RESTART_ATTEMPTS, RESTART_BACKOFF, RESTART_MAX_BACKOFF);
  private static final List<String> OUTPUT_MODES = List.of("append", "update", "complete");
  private static final Set<String> SPARK_KEYS = Set.of("master", "conf");
  private static final Set<String> SOURCE_RESERVED = Set.of("type");
  private static final ConfigOption<String> VIEW_TYPE =
      ConfigOption.required(
          "type", OptionTypes.oneOf("append", "aggregate"), "append-only or aggregate");
  private static final ConfigOption<String> VIEW_INPUT =
      ConfigOption.optional("input", OptionTypes.string(), "The source or transform it reads.");
  private static final ConfigOption<String> VIEW_FILTER =
      ConfigOption.optional("filter", OptionTypes.expression(), "The rows kept.");
  private static final ConfigOption<List<String>> VIEW_COLUMNS =
      ConfigOption.optional(
          "columns", OptionTypes.stringList(), List.of(), "append: the columns kept.");
  private static final ConfigOption<List<String>> VIEW_KEY =
      ConfigOption.optional(
          "key", OptionTypes.stringList(), List.of(), "append: the columns lookups use.");
  private static final ConfigOption<List<String>> VIEW_GROUP_BY =
      ConfigOption.optional(
          "group-by", OptionTypes.stringList(), List.of(), "aggregate: the group-by columns.");
  private static final ConfigOption<Map<String, String>> VIEW_MEASURES =
      ConfigOption.optional(
          "measures", OptionTypes.stringMap(), Map.of(), "aggregate: name = function(expr).");
  private static final Options VIEW_OPTIONS =
      Options.of(
          VIEW_TYPE, VIEW_INPUT, VIEW_FILTER, VIEW_COLUMNS, VIEW_KEY, VIEW_GROUP_BY, VIEW_MEASURES);
  private static final Pattern MEASURE =
      Pattern.compile("(?is)\\s*([a-z_]+)\\s*(?:\\((.*)\\))?\\s*");
  private static final ConfigOption<Boolean> METASTORE_ENABLED =
      ConfigOption.optional("enabled", OptionTypes.bool(), true, "Register tables.");
  private static final ConfigOption<String> METASTORE_URI =
      ConfigOption.optional("uri", OptionTypes.string(), "", "thrift:// URI, or empty.");
  private static final ConfigOption<String> METASTORE_DATABASE =
      ConfigOption.optional("database", OptionTypes.string(), "", "The database.");
  private static final ConfigOption<String> METASTORE_DERBY =
      ConfigOption.optional("derby-path", OptionTypes.string(), "", "Embedded Derby's folder.");
  private static final ConfigOption<String> METASTORE_WAREHOUSE =
      ConfigOption.optional("warehouse", OptionTypes.string(), "", "Spark's warehouse.");
  private static final Options METASTORE_OPTIONS =
      Options.of(
          METASTORE_ENABLED,
          METASTORE_URI,
          METASTORE_DATABASE,
          METASTORE_DERBY,
          METASTORE_WAREHOUSE);
  private static final Set<String> TRANSFORM_RESERVED = Set.of("type", "name", "input", "inputs");
  private static final Set<String> SINK_RESERVED =
      Set.of("type", "input", "output-mode", "trigger");
  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern PIPELINE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
  static final Pattern SECRET_KEY =
      Pattern.compile(
          ".*(password|passwd|secret|token|credential|api[-_.]?key|private[-_.]?key|sasl\\.jaas).*",
          Pattern.CASE_INSENSITIVE);
  private static final String REDACTED = "******";

  private final PluginRegistry registry;
  private final ClassLoader classLoader;

  /** A transform or sink as declared, valid or not, so graph checks do not cascade from a typo. */
  private record Declared(String name, List<String> inputs, String location, String path) {}

  public PipelineLoader(PluginRegistry registry, ClassLoader classLoader) {
    this.registry = requireNonNull(registry, "registry is null");
    this.classLoader = requireNonNull(classLoader, "classLoader is null");
  }

  /**
   * Loads and validates a pipeline file for the given layers.
   *
   * @param overrides key paths relative to the pipeline ({@code sources.events.path}) and values,
   *     as given with {@code -Dkey=value} on the command line
   * @param layers the layers about to run; a source or sink that cannot run in one of them (and is
   *     used by the pipeline's {@code layers}) is a problem
   */
  public Pipeline load(Path file, Map<String, String> overrides, Set<ExecutionMode> layers)
      throws ConfigurationException {
    if (!Files.isRegularFile(file)) {
      throw new ConfigurationException(
          List.of(
              new Problem(
                  file.toString(),
                  "",
                  "pipeline file not found (working directory: "
                      + Path.of("").toAbsolutePath()
                      + ")")));
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (java.io.IOException e) {
      throw new ConfigurationException(
          List.of(new Problem(file.toString(), "", "cannot read the file: " + e.getMessage())));
    }
    Config parsed = ConfigText.parse(text, file.toString(), Optional.of(file));
    String defaultName = file.getFileName().toString().replaceFirst("\\.(conf|hocon|json)$", "");
    return validate(parsed, defaultName, overrides, layers);
  }

  /**
   * Loads and validates pipeline text, as {@link #load} does for a file. For tests and embedding.
   */
  public Pipeline parse(
      String text, String originName, Map<String, String> overrides, Set<ExecutionMode> layers)
      throws ConfigurationException {
    Config parsed = ConfigText.parse(text, originName, Optional.empty());
    return validate(
        parsed, originName.replaceFirst("\\.(conf|hocon|json)$", ""), overrides, layers);
  }

  private Pipeline validate(
      Config file, String defaultName, Map<String, String> overrides, Set<ExecutionMode> layers)
      throws ConfigurationException {
    Config merged = merge(file, overrides);
    List<Problem> problems = new ArrayList<>();
    Set<String> secretPaths = new TreeSet<>();
    ConfigObject root = merged.root();

    for (Map.Entry<String, ConfigValue> entry : root.entrySet()) {
      if (!TOP_LEVEL_KEYS.contains(entry.getKey())) {
        problems.add(
            unknownKey(
                entry.getValue(), entry.getKey(), entry.getKey(), "a pipeline", TOP_LEVEL_KEYS));
      }
    }

    String name = optionalString(root, "name", "name", problems).orElse(defaultName);
    if (!PIPELINE_NAME.matcher(name).matches()) {
      problems.add(
          new Problem(
              location(root, "name"),
              "name",
              "pipeline name '" + name + "' may use only letters, digits, '_', '-' and '.'"));
    }
    Set<ExecutionMode> declaredLayers = layers(root, problems);
    for (ExecutionMode requested : layers) {
      if (!declaredLayers.contains(requested)) {
        problems.add(
            new Problem(
                location(root, "layers"),
                "layers",
                "the "
                    + requested.layerName()
                    + " layer cannot run this pipeline: its layers are "
                    + layerNames(declaredLayers)
                    + "; add '"
                    + requested.layerName()
                    + "' to layers"));
      }
    }
    String storageRoot =
        optionalString(root, "storage-root", "storage-root", problems).orElse("lambda-data");
    SparkSettings spark = spark(root, problems);
    SpeedSettings speed = speed(root, storageRoot, problems);
    EmbeddedKafkaSettings embeddedKafka = embeddedKafka(root, problems);

    Set<String> sourceNames = new LinkedHashSet<>();
    Map<String, SourceNode> sources =
        sources(
            root, name, storageRoot, declaredLayers, layers, problems, secretPaths, sourceNames);
    List<Declared> declaredTransforms = new ArrayList<>();
    List<TransformNode> transforms =
        transforms(root, name, storageRoot, sourceNames, problems, secretPaths, declaredTransforms);
    List<Declared> declaredSinks = new ArrayList<>();
    List<SinkNode> sinks =
        sinks(
            root,
            name,
            storageRoot,
            sourceNames,
            declaredTransforms,
            declaredLayers,
            layers,
            problems,
            secretPaths,
            declaredSinks);
    Optional<SinkNode> deadLetter =
        deadLetter(root, name, storageRoot, declaredLayers, layers, problems, secretPaths);
    List<ViewNode> views = views(root, sourceNames, declaredTransforms, problems, declaredSinks);
    if (!hasEntries(root, "sinks") && !hasEntries(root, "views")) {
      problems.add(
          new Problem(
              location(root, "sinks"),
              "sinks",
              "the pipeline has no sinks and no views; declare at least one, e.g. sinks { out {"
                  + " type = console } }"));
    }
    ContractSettings contract = contract(root, name, storageRoot, sourceNames, problems);
    if (!views.isEmpty() && declaredLayers.contains(ExecutionMode.BATCH)) {
      for (SourceNode source : sources.values()) {
        if (!(source.spec() instanceof io.lambdaflow.spi.SupportsHorizon)) {
          problems.add(
              new Problem(
                  location((ConfigObject) root.get("sources"), source.name()),
                  "sources." + source.name(),
                  "views need sources the batch layer can read up to a horizon (files, kafka);"
                      + " source type '"
                      + source.type()
                      + "' cannot"));
        }
      }
    }
    List<TransformNode> ordered =
        checkGraph(root, sourceNames, declaredTransforms, declaredSinks, transforms, problems);

    if (!problems.isEmpty()) {
      problems.sort(PipelineLoader::byLocation);
      throw new ConfigurationException(problems);
    }
    return new Pipeline(
        name,
        declaredLayers,
        storageRoot,
        spark,
        speed,
        embeddedKafka,
        List.copyOf(sources.values()),
        ordered,
        sinks,
        deadLetter.orElseThrow(),
        views,
        contract,
        redact(merged, secretPaths));
  }

  private Config merge(Config file, Map<String, String> overrides) throws ConfigurationException {
    // Defaults stay unresolved until merged, so that reference.conf may refer to the pipeline's
    // own values (dead-letter.path = ${storage-root}"/dead-letters") and the file's ${...} see
    // them.
    Config defaults = pipelineDefaults();
    if (file.hasPath("dead-letter.type") && defaults.hasPathOrNull("dead-letter")) {
      ConfigValue defaultType =
          defaults.root().get("dead-letter") instanceof ConfigObject o ? o.get("type") : null;
      String type = String.valueOf(file.getValue("dead-letter.type").unwrapped());
      if (defaultType == null || !type.equals(String.valueOf(defaultType.unwrapped()))) {
        defaults = defaults.withoutPath("dead-letter");
      }
    }
    Config system = ConfigFactory.systemProperties();
    Config layered =
        commandLine(overrides)
            .withFallback(system.hasPath(ROOT) ? system.getConfig(ROOT) : ConfigFactory.empty())
            .withFallback(file)
            .withFallback(defaults);
    try {
      return layered.resolve(ConfigResolveOptions.defaults());
    } catch (ConfigException.UnresolvedSubstitution e) {
      throw new ConfigurationException(List.of(substitutionProblem(e)));
    } catch (ConfigException e) {
      throw new ConfigurationException(List.of(ConfigText.syntaxProblem(e)));
    }
  }

  /**
   * -Dkey=value overrides. A value in brackets or braces ([a, b], {x = 1}) is read as HOCON; any
   * other is text (so hdfs://host:8020/x keeps its slashes), which typesafe converts to numbers and
   * booleans where a key wants one.
   */
  private static Config commandLine(Map<String, String> overrides) throws ConfigurationException {
    Config config = ConfigFactory.empty("command line");
    for (Map.Entry<String, String> override : overrides.entrySet()) {
      String text = override.getValue().strip();
      ConfigValue value = ConfigValueFactory.fromAnyRef(override.getValue(), "command line");
      if (text.startsWith("[") || text.startsWith("{")) {
        try {
          value =
              ConfigFactory.parseString(
                      "v = " + text,
                      ConfigParseOptions.defaults().setOriginDescription("command line"))
                  .getValue("v");
        } catch (ConfigException e) {
          throw new ConfigurationException(
              List.of(
                  new Problem(
                      "command line",
                      override.getKey(),
                      "cannot read -D" + override.getKey() + "=" + text + ": " + e.getMessage())));
        }
      }
      config = config.withValue(override.getKey(), value);
    }
    return config;
  }

  private Config pipelineDefaults() {
    Config reference = ConfigFactory.parseResourcesAnySyntax(classLoader, "reference.conf");
    ConfigValue value = reference.root();
    for (String key : ROOT.split("\\.")) {
      value = value instanceof ConfigObject object ? object.get(key) : null;
    }
    return value instanceof ConfigObject object ? object.toConfig() : ConfigFactory.empty();
  }

  private Set<ExecutionMode> layers(ConfigObject root, List<Problem> problems) {
    ConfigValue value = root.get("layers");
    Set<ExecutionMode> result = EnumSet.noneOf(ExecutionMode.class);
    if (value == null) {
      return EnumSet.of(ExecutionMode.BATCH);
    }
    List<String> names;
    try {
      names = OptionTypes.stringList().convert(value.unwrapped());
    } catch (IllegalArgumentException e) {
      problems.add(
          new Problem(
              Origins.describe(value.origin()),
              "layers",
              "expected a list of layers from [batch, speed], " + e.getMessage()));
      return EnumSet.of(ExecutionMode.BATCH);
    }
    for (String layerName : names) {
      Optional<ExecutionMode> mode = layerNamed(layerName);
      if (mode.isPresent()) {
        result.add(mode.get());
      } else {
        problems.add(
            new Problem(
                Origins.describe(value.origin()),
                "layers",
                "unknown layer '" + layerName + "'; layers are batch and speed"));
      }
    }
    if (names.isEmpty()) {
      problems.add(
          new Problem(
              Origins.describe(value.origin()),
              "layers",
              "a pipeline runs in at least one layer: batch, speed or both"));
    }
    return result;
  }

  private static String layerNames(Set<ExecutionMode> modes) {
    return modes.stream().map(ExecutionMode::layerName).toList().toString();
  }

  private static Optional<ExecutionMode> layerNamed(String layerName) {
    for (ExecutionMode mode : ExecutionMode.values()) {
      if (mode.layerName().equals(layerName.toLowerCase(Locale.ROOT))) {
        return Optional.of(mode);
      }
    }
    return Optional.empty();
  }

  private SparkSettings spark(ConfigObject root, List<Problem> problems) {
    Optional<ConfigObject> spark = object(root, "spark", "spark", problems);
    String master = "local[*]";
    Map<String, String> conf = new HashMap<>();
    if (spark.isPresent()) {
      for (Map.Entry<String, ConfigValue> entry : spark.get().entrySet()) {
        if (!SPARK_KEYS.contains(entry.getKey())) {
          problems.add(
              unknownKey(
                  entry.getValue(),
                  entry.getKey(),
                  "spark." + entry.getKey(),
                  "the spark section",
                  SPARK_KEYS));
        }
      }
      master = optionalString(spark.get(), "master", "spark.master", problems).orElse(master);
      ConfigValue confValue = spark.get().get("conf");
      if (confValue != null) {
        try {
          conf.putAll(OptionTypes.stringMap().convert(confValue.unwrapped()));
        } catch (IllegalArgumentException e) {
          problems.add(
              new Problem(
                  Origins.describe(confValue.origin()),
                  "spark.conf",
                  "expected an object of Spark properties, " + e.getMessage()));
        }
      }
    }
    return new SparkSettings(master, conf);
  }

  private SpeedSettings speed(ConfigObject root, String storageRoot, List<Problem> problems) {
    Optional<ConfigObject> speed = object(root, "speed", "speed", problems);
    String trigger = "5 seconds";
    String checkpointRoot = storageRoot + "/checkpoints";
    if (speed.isPresent()) {
      for (Map.Entry<String, ConfigValue> entry : speed.get().entrySet()) {
        if (!SPEED_KEYS.contains(entry.getKey())) {
          problems.add(
              unknownKey(
                  entry.getValue(),
                  entry.getKey(),
                  "speed." + entry.getKey(),
                  "the speed section",
                  SPEED_KEYS));
        }
      }
      trigger = optionalString(speed.get(), "trigger", "speed.trigger", problems).orElse(trigger);
      checkTrigger(trigger, location(speed.get(), "trigger"), "speed.trigger", problems);
      checkpointRoot =
          optionalString(speed.get(), "checkpoint-root", "speed.checkpoint-root", problems)
              .orElse(checkpointRoot);
    }
    SpeedSettings.Restart restart =
        speed
            .flatMap(s -> object(s, "restart", "speed.restart", problems))
            .flatMap(
                r ->
                    OptionBinder.bind(
                        "restart",
                        "the speed.restart section",
                        RESTART_OPTIONS,
                        r,
                        "speed.restart",
                        Set.of(),
                        problems))
            .map(
                c ->
                    new SpeedSettings.Restart(
                        c.get(RESTART_ATTEMPTS),
                        c.get(RESTART_BACKOFF),
                        c.get(RESTART_MAX_BACKOFF)))
            .orElse(
                new SpeedSettings.Restart(
                    10, java.time.Duration.ofSeconds(5), java.time.Duration.ofMinutes(1)));
    return new SpeedSettings(trigger, checkpointRoot, restart);
  }

  private static EmbeddedKafkaSettings embeddedKafka(ConfigObject root, List<Problem> problems) {
    Optional<ConfigObject> section = object(root, "embedded-kafka", "embedded-kafka", problems);
    if (section.isEmpty()) {
      return EmbeddedKafkaSettings.disabled();
    }
    return OptionBinder.bind(
            "embedded-kafka",
            "the embedded-kafka section",
            EMBEDDED_KAFKA,
            section.get(),
            "embedded-kafka",
            Set.of(),
            problems)
        .map(
            config ->
                new EmbeddedKafkaSettings(
                    config.get(KAFKA_ENABLED),
                    config.get(KAFKA_PORT),
                    config.get(KAFKA_TOPICS),
                    config.get(KAFKA_PARTITIONS)))
        .orElse(EmbeddedKafkaSettings.disabled());
  }

  private static void checkTrigger(
      String trigger, String location, String path, List<Problem> problems) {
    try {
      Triggers.parse(trigger);
    } catch (IllegalArgumentException e) {
      problems.add(new Problem(location, path, e.getMessage()));
    }
  }

  private Map<String, SourceNode> sources(
      ConfigObject root,
      String pipelineName,
      String storageRoot,
      Set<ExecutionMode> declaredLayers,
      Set<ExecutionMode> layers,
      List<Problem> problems,
      Set<String> secretPaths,
      Set<String> sourceNames) {
    Map<String, SourceNode> sources = new LinkedHashMap<>();
    Optional<ConfigObject> section = object(root, "sources", "sources", problems);
    if (section.isEmpty() || section.get().isEmpty()) {
      problems.add(
          new Problem(
              location(root, "sources"),
              "sources",
              "the pipeline has no sources; declare at least one, e.g. sources { events { type = files, format = json,"
                  + " path = \"data/events\" } }"));
      return sources;
    }
    for (Map.Entry<String, ConfigValue> entry : sorted(section.get())) {
      String sourceName = entry.getKey();
      String path = "sources." + sourceName;
      if (!checkNodeName(entry.getValue(), path, sourceName, problems)) {
        continue;
      }
      sourceNames.add(sourceName);
      Optional<ConfigObject> object =
          asObject(entry.getValue(), path, "the source's settings", problems);
      if (object.isEmpty()) {
        continue;
      }
      Optional<SourceFactory> factory =
          factory(PluginKind.SOURCE, object.get(), path, problems).map(SourceFactory.class::cast);
      if (factory.isEmpty()) {
        continue;
      }
      String subject = "source type '" + factory.get().name() + "'";
      Optional<PluginConfig> config =
          OptionBinder.bind(
              sourceName,
              subject,
              factory.get().options(),
              object.get(),
              path,
              SOURCE_RESERVED,
              problems);
      if (config.isEmpty()) {
        continue;
      }
      collectSecrets(factory.get(), path, secretPaths);
      PluginContext context = new PluginContext(pipelineName, sourceName, storageRoot);
      Optional<SourceSpec> spec =
          create(object.get(), path, problems, () -> factory.get().create(config.get(), context));
      if (spec.isEmpty()) {
        continue;
      }
      checkSourceModes(
          spec.get(), factory.get().name(), object.get(), path, declaredLayers, layers, problems);
      sources.put(sourceName, new SourceNode(sourceName, factory.get().name(), spec.get()));
    }
    return sources;
  }

  private void checkSourceModes(
      SourceSpec spec,
      String type,
      ConfigObject object,
      String path,
      Set<ExecutionMode> declaredLayers,
      Set<ExecutionMode> layers,
      List<Problem> problems) {
    for (ExecutionMode mode : layersToCheck(declaredLayers, layers)) {
      boolean supported =
          mode == ExecutionMode.BATCH
              ? spec instanceof SupportsBatchRead
              : spec instanceof SupportsStreamRead;
      if (!supported) {
        problems.add(
            new Problem(
                location(object, "type"),
                path + ".type",
                "source type '"
                    + type
                    + "' cannot be read by the "
                    + mode.layerName()
                    + " layer (it supports: "
                    + supportedLayers(
                        spec instanceof SupportsBatchRead, spec instanceof SupportsStreamRead)
                    + "); remove '"
                    + mode.layerName()
                    + "' from layers or choose another source type"));
      } else if (mode == ExecutionMode.STREAMING) {
        create(
            object,
            path,
            problems,
            () -> {
              ((SupportsStreamRead) spec).validateForStreaming();
              return spec;
            });
      }
    }
  }

  private List<TransformNode> transforms(
      ConfigObject root,
      String pipelineName,
      String storageRoot,
      Set<String> sourceNames,
      List<Problem> problems,
      Set<String> secretPaths,
      List<Declared> declared) {
    List<TransformNode> transforms = new ArrayList<>();
    ConfigValue value = root.get("transforms");
    if (value == null) {
      return transforms;
    }
    if (value.valueType() != ConfigValueType.LIST) {
      problems.add(
          new Problem(
              Origins.describe(value.origin()),
              "transforms",
              "expected a list of transforms, [ { type = filter, condition = \"...\" }, ... ], got "
                  + value.valueType().name().toLowerCase(Locale.ROOT)));
      return transforms;
    }
    Set<String> names = new HashSet<>(sourceNames);
    String previous = sourceNames.size() == 1 ? sourceNames.iterator().next() : null;
    ConfigList list = (ConfigList) value;
    for (int index = 0; index < list.size(); index++) {
      String path = "transforms[" + index + "]";
      Optional<ConfigObject> object = asObject(list.get(index), path, "a transform", problems);
      if (object.isEmpty()) {
        previous = null;
        continue;
      }
      Optional<String> explicitName =
          optionalString(object.get(), "name", path + ".name", problems);
      String typeName =
          object.get().containsKey("type")
              ? String.valueOf(object.get().get("type").unwrapped())
              : "t";
      String transformName =
          explicitName.orElse(typeName.replaceAll("[^A-Za-z0-9_]", "_") + "_" + (index + 1));
      if (explicitName.isPresent()
          && !checkNodeName(object.get().get("name"), path + ".name", transformName, problems)) {
        previous = null;
        continue;
      }
      if (!names.add(transformName)) {
        problems.add(
            new Problem(
                location(object.get(), "name"),
                path + ".name",
                "name '"
                    + transformName
                    + "' is already used by another source or transform; names must be unique"));
      }
      List<String> inputs = inputs(object.get(), path, previous, problems);
      previous = transformName;
      ConfigValue inputValue =
          object.get().containsKey("input")
              ? object.get().get("input")
              : object.get().get("inputs");
      declared.add(
          new Declared(
              transformName,
              inputs,
              Origins.describe(inputValue != null ? inputValue.origin() : object.get().origin()),
              path));
      Optional<TransformFactory> factory =
          factory(PluginKind.TRANSFORM, object.get(), path, problems)
              .map(TransformFactory.class::cast);
      if (factory.isEmpty()) {
        continue;
      }
      String subject = "transform type '" + factory.get().name() + "'";
      Optional<PluginConfig> config =
          OptionBinder.bind(
              transformName,
              subject,
              factory.get().options(),
              object.get(),
              path,
              TRANSFORM_RESERVED,
              problems);
      if (config.isEmpty()) {
        continue;
      }
      collectSecrets(factory.get(), path, secretPaths);
      PluginContext context = new PluginContext(pipelineName, transformName, storageRoot);
      Optional<Transform> transform =
          create(object.get(), path, problems, () -> factory.get().create(config.get(), context));
      if (transform.isPresent() && !inputs.isEmpty()) {
        transforms.add(
            new TransformNode(transformName, factory.get().name(), inputs, transform.get()));
      }
    }
    return transforms;
  }

  private List<String> inputs(
      ConfigObject object, String path, String previous, List<Problem> problems) {
    ConfigValue single = object.get("input");
    ConfigValue many = object.get("inputs");
    if (single != null && many != null) {
      problems.add(
          new Problem(
              Origins.describe(many.origin()),
              path + ".inputs",
              "'input' and 'inputs' cannot both be set; use 'inputs' for several"));
      return List.of();
    }
    if (single != null) {
      return optionalString(object, "input", path + ".input", problems)
          .map(List::of)
          .orElse(List.of());
    }
    if (many != null) {
      try {
        List<String> names = OptionTypes.stringList().convert(many.unwrapped());
        if (names.isEmpty()) {
          problems.add(
              new Problem(
                  Origins.describe(many.origin()),
                  path + ".inputs",
                  "expected at least one input"));
        }
        return names;
      } catch (IllegalArgumentException e) {
        problems.add(
            new Problem(
                Origins.describe(many.origin()),
                path + ".inputs",
                "expected a list of input names, " + e.getMessage()));
        return List.of();
      }
    }
    if (previous == null) {
      problems.add(
          new Problem(
              Origins.describe(object.origin()),
              path + ".input",
              "cannot tell this transform's input: set input = <a source or earlier transform>"
                  + " (only a first transform of a single-source pipeline, or one after another, may leave it out)"));
      return List.of();
    }
    return List.of(previous);
  }

  private List<SinkNode> sinks(
      ConfigObject root,
      String pipelineName,
      String storageRoot,
      Set<String> sourceNames,
      List<Declared> transforms,
      Set<ExecutionMode> declaredLayers,
      Set<ExecutionMode> layers,
      List<Problem> problems,
      Set<String> secretPaths,
      List<Declared> declared) {
    List<SinkNode> sinks = new ArrayList<>();
    Optional<ConfigObject> section = object(root, "sinks", "sinks", problems);
    if (section.isEmpty() || section.get().isEmpty()) {
      return sinks; // fine when the pipeline has views; validate() checks
    }
    String defaultInput =
        !transforms.isEmpty()
            ? transforms.get(transforms.size() - 1).name()
            : sourceNames.size() == 1
                    && !(root.get("transforms") instanceof ConfigList list && !list.isEmpty())
                ? sourceNames.iterator().next()
                : null;
    for (Map.Entry<String, ConfigValue> entry : sorted(section.get())) {
      String sinkName = entry.getKey();
      String path = "sinks." + sinkName;
      if (!checkNodeName(entry.getValue(), path, sinkName, problems)) {
        continue;
      }
      Optional<ConfigObject> object =
          asObject(entry.getValue(), path, "the sink's settings", problems);
      if (object.isEmpty()) {
        continue;
      }
      Optional<String> input = optionalString(object.get(), "input", path + ".input", problems);
      if (input.isEmpty() && defaultInput == null) {
        problems.add(
            new Problem(
                Origins.describe(object.get().origin()),
                path + ".input",
                "cannot tell what this sink writes: set input = <a source or transform>"));
      } else {
        declared.add(
            new Declared(
                sinkName,
                List.of(input.orElse(defaultInput)),
                location(object.get(), "input"),
                path));
      }
      Optional<SinkNode> node =
          sink(
              sinkName,
              object.get(),
              path,
              pipelineName,
              storageRoot,
              declaredLayers,
              layers,
              SINK_RESERVED,
              problems,
              secretPaths,
              input.orElse(defaultInput));
      node.ifPresent(sinks::add);
    }
    return sinks;
  }

  private static boolean hasEntries(ConfigObject root, String key) {
    return root.get(key) instanceof ConfigObject object && !object.isEmpty();
  }

  private List<ViewNode> views(
      ConfigObject root,
      Set<String> sourceNames,
      List<Declared> transforms,
      List<Problem> problems,
      List<Declared> declared) {
    List<ViewNode> views = new ArrayList<>();
    Optional<ConfigObject> section = object(root, "views", "views", problems);
    if (section.isEmpty()) {
      return views;
    }
    String defaultInput =
        !transforms.isEmpty()
            ? transforms.get(transforms.size() - 1).name()
            : sourceNames.size() == 1 ? sourceNames.iterator().next() : null;
    for (Map.Entry<String, ConfigValue> entry : sorted(section.get())) {
      String viewName = entry.getKey();
      String path = "views." + viewName;
      if (!checkNodeName(entry.getValue(), path, viewName, problems)) {
        continue;
      }
      Optional<ConfigObject> object =
          asObject(entry.getValue(), path, "the view's settings", problems);
      if (object.isEmpty()) {
        continue;
      }
      String where = Origins.describe(object.get().origin());
      Optional<PluginConfig> bound =
          OptionBinder.bind(
              viewName, "a view", VIEW_OPTIONS, object.get(), path, Set.of(), problems);
      if (bound.isEmpty()) {
        continue;
      }
      PluginConfig config = bound.get();
      String input = config.find(VIEW_INPUT).orElse(defaultInput);
      if (input == null) {
        problems.add(
            new Problem(
                where,
                path + ".input",
                "cannot tell what this view reads: set input = <a source or transform>"));
        continue;
      }
      declared.add(new Declared(viewName, List.of(input), location(object.get(), "input"), path));
      boolean aggregate = config.get(VIEW_TYPE).equals("aggregate");
      List<ViewNode.Measure> measures = new ArrayList<>();
      List<Map.Entry<String, String>> declaredMeasures =
          new ArrayList<>(config.get(VIEW_MEASURES).entrySet());
      if (object.get().get("measures") instanceof ConfigObject measuresObject) {
        // In the order written (by line; several on one line by name): the served columns' order.
        declaredMeasures.sort(
            java.util.Comparator.<Map.Entry<String, String>>comparingInt(
                    e -> {
                      ConfigValue value = measuresObject.get(e.getKey());
                      return value == null ? Integer.MAX_VALUE : value.origin().lineNumber();
                    })
                .thenComparing(Map.Entry::getKey));
      }
      for (Map.Entry<String, String> measure : declaredMeasures) {
        String measurePath = path + ".measures." + measure.getKey();
        String measureWhere = location(object.get(), "measures");
        if (!NODE_NAME.matcher(measure.getKey()).matches()) {
          problems.add(
              new Problem(
                  measureWhere,
                  measurePath,
                  "measure name '" + measure.getKey() + "' is not usable as a column name"));
          continue;
        }
        measure(measure.getKey(), measure.getValue(), measureWhere, measurePath, problems)
            .ifPresent(measures::add);
      }
      if (aggregate) {
        if (config.get(VIEW_MEASURES).isEmpty()) {
          problems.add(
              new Problem(
                  where,
                  path + ".measures",
                  "an aggregate view needs measures, e.g. measures { events = count, total ="
                      + " \"sum(amount)\" }"));
        }
        for (ConfigOption<?> appendOnly : List.of(VIEW_COLUMNS, VIEW_KEY)) {
          if (config.isSet(appendOnly)) {
            problems.add(
                new Problem(
                    location(object.get(), appendOnly.key()),
                    path + "." + appendOnly.key(),
                    "'"
                        + appendOnly.key()
                        + "' is for append views; an aggregate view's keys are its group-by"));
          }
        }
      } else {
        for (ConfigOption<?> aggregateOnly : List.of(VIEW_GROUP_BY, VIEW_MEASURES)) {
          if (config.isSet(aggregateOnly)) {
            problems.add(
                new Problem(
                    location(object.get(), aggregateOnly.key()),
                    path + "." + aggregateOnly.key(),
                    "'"
                        + aggregateOnly.key()
                        + "' is for aggregate views; set type = aggregate, or remove it"));
          }
        }
        for (String column : config.get(VIEW_COLUMNS)) {
          try {
            OptionTypes.expression().convert(column);
          } catch (IllegalArgumentException e) {
            problems.add(
                new Problem(
                    location(object.get(), "columns"),
                    path + ".columns",
                    "'" + column + "' is not a Spark SQL expression: " + e.getMessage()));
          }
        }
      }
      views.add(
          new ViewNode(
              viewName,
              input,
              aggregate ? ViewNode.Kind.AGGREGATE : ViewNode.Kind.APPEND,
              config.find(VIEW_FILTER),
              aggregate ? List.of() : config.get(VIEW_COLUMNS),
              aggregate ? config.get(VIEW_GROUP_BY) : config.get(VIEW_KEY),
              measures));
    }
    return views;
  }

  private static Optional<ViewNode.Measure> measure(
      String name, String text, String where, String path, List<Problem> problems) {
    java.util.regex.Matcher matcher = MEASURE.matcher(text);
    String functions = "count, count(expr), sum(expr), min(expr), max(expr), avg(expr)";
    if (!matcher.matches()) {
      problems.add(
          new Problem(where, path, "expected one of " + functions + ", got '" + text + "'"));
      return Optional.empty();
    }
    String function = matcher.group(1).toLowerCase(Locale.ROOT);
    String argument = matcher.group(2) == null ? "" : matcher.group(2).strip();
    Optional<ViewNode.Function> known =
        java.util.Arrays.stream(ViewNode.Function.values())
            .filter(f -> f.sqlName().equals(function))
            .findFirst();
    if (known.isEmpty()) {
      String hint =
          function.contains("distinct")
              ? "; distinct counts do not merge exactly across the batch and speed views, and"
                  + " approximate ones need sketches neither engine shares yet"
              : Suggestions.closest(
                      function,
                      java.util.Arrays.stream(ViewNode.Function.values())
                          .map(ViewNode.Function::sqlName)
                          .toList())
                  .map(c -> "; did you mean '" + c + "'?")
                  .orElse("");
      problems.add(
          new Problem(
              where,
              path,
              "unknown measure function '"
                  + function
                  + "'"
                  + hint
                  + " (known: "
                  + functions
                  + ")"));
      return Optional.empty();
    }
    if (argument.equals("*")) {
      argument = "";
    }
    if (argument.isEmpty() && known.get() != ViewNode.Function.COUNT) {
      problems.add(
          new Problem(where, path, function + " needs an expression: " + function + "(x)"));
      return Optional.empty();
    }
    if (!argument.isEmpty()) {
      try {
        OptionTypes.expression().convert(argument);
      } catch (IllegalArgumentException e) {
        problems.add(
            new Problem(
                where,
                path,
                "'" + argument + "' is not a Spark SQL expression: " + e.getMessage()));
        return Optional.empty();
      }
    }
    return Optional.of(new ViewNode.Measure(name, known.get(), argument));
  }

  private ContractSettings contract(
      ConfigObject root,
      String pipelineName,
      String storageRoot,
      Set<String> sourceNames,
      List<Problem> problems) {
    Map<String, Map<String, String>> partitions = new LinkedHashMap<>();
    Optional<ConfigObject> master = object(root, "master", "master", problems);
    if (master.isPresent()) {
      for (Map.Entry<String, ConfigValue> entry : master.get().entrySet()) {
        if (!entry.getKey().equals("partition-by")) {
          problems.add(
              unknownKey(
                  entry.getValue(),
                  entry.getKey(),
                  "master." + entry.getKey(),
                  "the master section",
                  Set.of("partition-by")));
        }
      }
      Optional<ConfigObject> partitionBy =
          object(master.get(), "partition-by", "master.partition-by", problems);
      for (Map.Entry<String, ConfigValue> entry :
          partitionBy.map(PipelineLoader::sorted).orElse(List.of())) {
        String path = "master.partition-by." + entry.getKey();
        if (!sourceNames.contains(entry.getKey())) {
          problems.add(
              new Problem(
                  Origins.describe(entry.getValue().origin()),
                  path,
                  "no source named '"
                      + entry.getKey()
                      + "'"
                      + Suggestions.closest(entry.getKey(), sourceNames)
                          .map(c -> "; did you mean '" + c + "'?")
                          .orElse("")
                      + " (sources: "
                      + String.join(", ", sourceNames)
                      + ")"));
          continue;
        }
        try {
          Map<String, String> columns =
              OptionTypes.mapOf(OptionTypes.expression()).convert(entry.getValue().unwrapped());
          partitions.put(entry.getKey(), columns);
        } catch (IllegalArgumentException e) {
          problems.add(
              new Problem(
                  Origins.describe(entry.getValue().origin()),
                  path,
                  "expected { column = \"expression\" }, " + e.getMessage()));
        }
      }
    }
    Optional<ConfigObject> servingObject = object(root, "serving", "serving", problems);
    ContractSettings.Serving serving = ServingSection.bind(servingObject, problems);
    Optional<ConfigObject> metastoreObject = object(root, "metastore", "metastore", problems);
    Optional<PluginConfig> metastoreConfig =
        metastoreObject.flatMap(
            o ->
                OptionBinder.bind(
                    "metastore",
                    "the metastore section",
                    METASTORE_OPTIONS,
                    o,
                    "metastore",
                    Set.of(),
                    problems));
    String defaultDatabase = pipelineName.replaceAll("[^A-Za-z0-9_]", "_").toLowerCase(Locale.ROOT);
    ContractSettings.Metastore metastore =
        new ContractSettings.Metastore(
            metastoreConfig.map(c -> c.get(METASTORE_ENABLED)).orElse(true),
            metastoreConfig.map(c -> c.get(METASTORE_URI)).orElse(""),
            metastoreConfig
                .map(c -> c.get(METASTORE_DATABASE))
                .filter(d -> !d.isEmpty())
                .orElse(defaultDatabase),
            metastoreConfig
                .map(c -> c.get(METASTORE_DERBY))
                .filter(d -> !d.isEmpty())
                .orElse(storageRoot + "/metastore_db"),
            metastoreConfig
                .map(c -> c.get(METASTORE_WAREHOUSE))
                .filter(d -> !d.isEmpty())
                .orElse(storageRoot + "/warehouse"));
    String uri = metastore.uri();
    if (!uri.isEmpty() && !uri.startsWith("thrift://")) {
      problems.add(
          new Problem(
              location(metastoreObject.orElse(null), "uri"),
              "metastore.uri",
              "expected a thrift://host:port URI of a Hive metastore, or empty for the embedded"
                  + " one, got '"
                  + uri
                  + "'"));
    }
    if (uri.isEmpty()
        && metastore.enabled()
        && hasEntries(root, "views")
        && metastore.derbyPath().matches("^[A-Za-z][A-Za-z0-9+.-]*://.*")
        && !metastore.derbyPath().startsWith("file:")) {
      problems.add(
          new Problem(
              location(metastoreObject.orElse(null), "derby-path"),
              "metastore.derby-path",
              "the embedded Derby metastore keeps its files on local disk, not at '"
                  + metastore.derbyPath()
                  + "': set metastore.derby-path to a local directory (or metastore.uri)"));
    }
    return new ContractSettings(partitions, serving, metastore);
  }

  private Optional<SinkNode> deadLetter(
      ConfigObject root,
      String pipelineName,
      String storageRoot,
      Set<ExecutionMode> declaredLayers,
      Set<ExecutionMode> layers,
      List<Problem> problems,
      Set<String> secretPaths) {
    Optional<ConfigObject> object = object(root, "dead-letter", "dead-letter", problems);
    if (object.isEmpty()) {
      problems.add(
          new Problem(
              location(root, "dead-letter"),
              "dead-letter",
              "the pipeline needs a dead-letter sink; reference.conf sets one unless it was removed"));
      return Optional.empty();
    }
    return sink(
        "dead_letters",
        object.get(),
        "dead-letter",
        pipelineName,
        storageRoot,
        declaredLayers,
        layers,
        Set.of("type"),
        problems,
        secretPaths,
        "dead_letters");
  }

  private Optional<SinkNode> sink(
      String sinkName,
      ConfigObject object,
      String path,
      String pipelineName,
      String storageRoot,
      Set<ExecutionMode> declaredLayers,
      Set<ExecutionMode> layers,
      Set<String> reserved,
      List<Problem> problems,
      Set<String> secretPaths,
      String input) {
    Optional<SinkFactory> factory =
        factory(PluginKind.SINK, object, path, problems).map(SinkFactory.class::cast);
    if (factory.isEmpty()) {
      return Optional.empty();
    }
    String subject = "sink type '" + factory.get().name() + "'";
    Optional<PluginConfig> config =
        OptionBinder.bind(
            sinkName, subject, factory.get().options(), object, path, reserved, problems);
    if (config.isEmpty()) {
      return Optional.empty();
    }
    collectSecrets(factory.get(), path, secretPaths);
    PluginContext context = new PluginContext(pipelineName, sinkName, storageRoot);
    Optional<SinkSpec> spec =
        create(object, path, problems, () -> factory.get().create(config.get(), context));
    if (spec.isEmpty()) {
      return Optional.empty();
    }
    for (ExecutionMode mode : layersToCheck(declaredLayers, layers)) {
      boolean supported =
          mode == ExecutionMode.BATCH
              ? spec.get() instanceof SupportsBatchWrite
              : spec.get() instanceof SupportsStreamWrite;
      if (!supported) {
        problems.add(
            new Problem(
                location(object, "type"),
                path + ".type",
                "sink type '"
                    + factory.get().name()
                    + "' cannot be written by the "
                    + mode.layerName()
                    + " layer (it supports: "
                    + supportedLayers(
                        spec.get() instanceof SupportsBatchWrite,
                        spec.get() instanceof SupportsStreamWrite)
                    + "); remove '"
                    + mode.layerName()
                    + "' from layers or choose another sink type"));
      }
    }
    String outputMode =
        optionalString(object, "output-mode", path + ".output-mode", problems).orElse("append");
    if (!OUTPUT_MODES.contains(outputMode)) {
      problems.add(
          new Problem(
              location(object, "output-mode"),
              path + ".output-mode",
              "expected one of " + OUTPUT_MODES + ", got '" + outputMode + "'"));
    } else if (layersToCheck(declaredLayers, layers).contains(ExecutionMode.STREAMING)
        && spec.get() instanceof SupportsStreamWrite streaming) {
      create(
          object,
          path,
          problems,
          () -> {
            streaming.validateOutputMode(outputMode);
            return streaming;
          });
    }
    String trigger = optionalString(object, "trigger", path + ".trigger", problems).orElse("");
    if (!trigger.isEmpty()) {
      checkTrigger(trigger, location(object, "trigger"), path + ".trigger", problems);
    }
    return input == null
        ? Optional.empty()
        : Optional.of(
            new SinkNode(sinkName, factory.get().name(), input, spec.get(), outputMode, trigger));
  }

  /** Checks inputs exist, finds cycles and unused nodes; returns transforms after their inputs. */
  private List<TransformNode> checkGraph(
      ConfigObject root,
      Set<String> sourceNames,
      List<Declared> transforms,
      List<Declared> sinks,
      List<TransformNode> built,
      List<Problem> problems) {
    Set<String> known = new TreeSet<>(sourceNames);
    transforms.forEach(t -> known.add(t.name()));
    Set<String> used = new HashSet<>();
    List<Declared> all = new ArrayList<>(transforms);
    all.addAll(sinks);
    for (Declared node : all) {
      for (String input : node.inputs()) {
        used.add(input);
        if (!known.contains(input)) {
          problems.add(
              new Problem(node.location(), node.path() + ".input", undefinedInput(input, known)));
        } else if (input.equals(node.name()) && transforms.contains(node)) {
          problems.add(
              new Problem(
                  node.location(),
                  node.path() + ".input",
                  "a transform cannot read its own output"));
        }
      }
    }
    for (String source : sourceNames) {
      if (!used.contains(source)) {
        problems.add(
            new Problem(
                location((ConfigObject) root.get("sources"), source),
                "sources." + source,
                "source '"
                    + source
                    + "' is read by no transform or sink; remove it or use it as an input"));
      }
    }
    for (Declared node : transforms) {
      if (!used.contains(node.name())) {
        problems.add(
            new Problem(
                node.location(),
                node.path(),
                "the output of transform '"
                    + node.name()
                    + "' goes nowhere; use it as a sink's or transform's input, or remove it"));
      }
    }
    // Depth-first topological order that keeps the file's order where inputs allow it.
    Map<String, Declared> byName = new LinkedHashMap<>();
    transforms.forEach(t -> byName.put(t.name(), t));
    List<String> order = new ArrayList<>();
    Map<String, Integer> state = new HashMap<>();
    for (Declared node : transforms) {
      visit(node, byName, state, new ArrayList<>(), order, problems);
    }
    Map<String, TransformNode> builtByName = new HashMap<>();
    built.forEach(t -> builtByName.put(t.name(), t));
    return order.stream().map(builtByName::get).filter(java.util.Objects::nonNull).toList();
  }

  private void visit(
      Declared node,
      Map<String, Declared> byName,
      Map<String, Integer> state,
      List<String> stack,
      List<String> order,
      List<Problem> problems) {
    Integer current = state.get(node.name());
    if (current != null && current == 2) {
      return;
    }
    stack.add(node.name());
    if (current != null && current == 1) {
      List<String> cycle = stack.subList(stack.indexOf(node.name()), stack.size());
      problems.add(
          new Problem(
              node.location(),
              node.path() + ".input",
              "the transforms form a cycle: " + String.join(" -> ", cycle)));
      stack.remove(stack.size() - 1);
      return;
    }
    state.put(node.name(), 1);
    for (String input : node.inputs()) {
      Declared upstream = byName.get(input);
      if (upstream != null && !input.equals(node.name())) {
        visit(upstream, byName, state, stack, order, problems);
      }
    }
    state.put(node.name(), 2);
    stack.remove(stack.size() - 1);
    order.add(node.name());
  }

  private static String undefinedInput(String input, Set<String> known) {
    String hint =
        Suggestions.closest(input, known).map(c -> "; did you mean '" + c + "'?").orElse("");
    return "input '"
        + input
        + "' is not a source or transform of this pipeline"
        + hint
        + " (defined: "
        + String.join(", ", known)
        + ")";
  }

  private Optional<PluginFactory> factory(
      PluginKind kind, ConfigObject object, String path, List<Problem> problems) {
    ConfigValue type = object.get("type");
    if (type == null) {
      problems.add(
          new Problem(
              Origins.describe(object.origin()),
              path + ".type",
              "missing required key 'type': the "
                  + kind.label()
                  + " type, one of "
                  + String.join(", ", registry.all(kind).keySet())));
      return Optional.empty();
    }
    if (type.valueType() != ConfigValueType.STRING) {
      problems.add(
          new Problem(
              Origins.describe(type.origin()),
              path + ".type",
              "expected a "
                  + kind.label()
                  + " type name, got "
                  + type.valueType().name().toLowerCase(Locale.ROOT)));
      return Optional.empty();
    }
    String name = (String) type.unwrapped();
    Optional<PluginFactory> factory = registry.find(kind, name);
    if (factory.isEmpty()) {
      Set<String> known = registry.all(kind).keySet();
      String hint =
          Suggestions.closest(name, known).map(c -> "; did you mean '" + c + "'?").orElse("");
      problems.add(
          new Problem(
              Origins.describe(type.origin()),
              path + ".type",
              "unknown "
                  + kind.label()
                  + " type '"
                  + name
                  + "'"
                  + hint
                  + " (known "
                  + kind.label()
                  + " types: "
                  + String.join(", ", known)
                  + ")"));
    }
    return factory;
  }

  private interface Creation<T> {
    T create();
  }

  private static <T> Optional<T> create(
      ConfigObject object, String path, List<Problem> problems, Creation<T> creation) {
    try {
      return Optional.of(creation.create());
    } catch (InvalidOptionException e) {
      problems.add(
          new Problem(location(object, e.optionKey()), path + "." + e.optionKey(), e.getMessage()));
      return Optional.empty();
    }
  }

  private static Set<ExecutionMode> layersToCheck(
      Set<ExecutionMode> declared, Set<ExecutionMode> requested) {
    Set<ExecutionMode> check = EnumSet.noneOf(ExecutionMode.class);
    check.addAll(declared);
    check.addAll(requested);
    return check;
  }

  private static String supportedLayers(boolean batch, boolean speed) {
    return batch && speed ? "batch, speed" : batch ? "batch" : speed ? "speed" : "neither layer";
  }

  private void collectSecrets(PluginFactory factory, String path, Set<String> secretPaths) {
    for (ConfigOption<?> option : factory.options().all()) {
      if (option.isSecret()) {
        secretPaths.add(path + "." + option.key());
      }
    }
  }

  private static String redact(Config merged, Set<String> secretPaths) {
    Config redacted = merged;
    for (Map.Entry<String, ConfigValue> entry : merged.entrySet()) {
      String key = entry.getKey();
      if (SECRET_KEY.matcher(key).matches()) {
        redacted = redacted.withValue(key, ConfigValueFactory.fromAnyRef(REDACTED));
      }
    }
    for (String path : secretPaths) {
      String hoconPath = path.replaceAll("\\[(\\d+)]", ".$1");
      if (!hoconPath.contains("transforms.") && redacted.hasPath(hoconPath)) {
        redacted = redacted.withValue(hoconPath, ConfigValueFactory.fromAnyRef(REDACTED));
      }
    }
    // Secrets inside transform lists are redacted by key name above; lists have no paths to set.
    return redacted.root().render(ConfigRenderOptions.concise().setFormatted(true).setJson(false));
  }

  private static boolean checkNodeName(
      ConfigValue value, String path, String name, List<Problem> problems) {
    if (NODE_NAME.matcher(name).matches()) {
      return true;
    }
    problems.add(
        new Problem(
            Origins.describe(value.origin()),
            path,
            "name '"
                + name
                + "' is not usable as a table name; use letters, digits and '_', starting with a letter"
                + " ("
                + name.replaceAll("[^A-Za-z0-9_]", "_")
                + ")"));
    return false;
  }

  private static Optional<ConfigObject> object(
      ConfigObject parent, String key, String path, List<Problem> problems) {
    ConfigValue value = parent.get(key);
    return value == null ? Optional.empty() : asObject(value, path, "an object", problems);
  }

  private static Optional<ConfigObject> asObject(
      ConfigValue value, String path, String what, List<Problem> problems) {
    if (value instanceof ConfigObject object) {
      return Optional.of(object);
    }
    problems.add(
        new Problem(
            Origins.describe(value.origin()),
            path,
            "expected "
                + what
                + " in braces { ... }, got "
                + value.valueType().name().toLowerCase(Locale.ROOT)));
    return Optional.empty();
  }

  private static Optional<String> optionalString(
      ConfigObject parent, String key, String path, List<Problem> problems) {
    ConfigValue value = parent.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (value.valueType() == ConfigValueType.OBJECT
        || value.valueType() == ConfigValueType.LIST
        || value.valueType() == ConfigValueType.NULL) {
      problems.add(
          new Problem(
              Origins.describe(value.origin()),
              path,
              "expected a string, got " + value.valueType().name().toLowerCase(Locale.ROOT)));
      return Optional.empty();
    }
    return Optional.of(String.valueOf(value.unwrapped()));
  }

  /** Where {@code key} of {@code object} was declared (the object itself if the key is absent). */
  static String location(ConfigObject object, String key) {
    if (object == null) {
      return "(unknown)";
    }
    ConfigValue value = object.get(key);
    return Origins.describe(value != null ? value.origin() : object.origin());
  }

  private static Problem unknownKey(
      ConfigValue value, String key, String path, String where, Set<String> known) {
    String hint =
        Suggestions.closest(key, known).map(c -> "; did you mean '" + c + "'?").orElse("");
    return new Problem(
        Origins.describe(value.origin()),
        path,
        "unknown key '"
            + key
            + "' in "
            + where
            + hint
            + " (known keys: "
            + String.join(", ", new TreeSet<>(known))
            + ")");
  }

  private static List<Map.Entry<String, ConfigValue>> sorted(ConfigObject object) {
    List<Map.Entry<String, ConfigValue>> entries = new ArrayList<>(object.entrySet());
    entries.sort(
        (a, b) ->
            Integer.compare(
                a.getValue().origin().lineNumber(), b.getValue().origin().lineNumber()));
    return entries;
  }

  private static Problem substitutionProblem(ConfigException.UnresolvedSubstitution e) {
    String message = e.getMessage();
    java.util.regex.Matcher matcher = Pattern.compile("\\$\\{([^}]+)}").matcher(message);
    String variable = matcher.find() ? matcher.group(1) : "?";
    String origin = e.origin() == null ? "(unknown)" : Origins.describe(e.origin());
    return new Problem(
        origin,
        "",
        "cannot resolve ${"
            + variable
            + "}: it is neither a key of the pipeline nor a"
            + " set environment variable; set "
            + variable
            + " in the environment or use ${?"
            + variable
            + "} to make it optional");
  }

  private static int byLocation(Problem a, Problem b) {
    String[] left = a.location().split(":(?=\\d+$)");
    String[] right = b.location().split(":(?=\\d+$)");
    int byFile = left[0].compareTo(right[0]);
    if (byFile != 0) {
      return byFile;
    }
    int leftLine = left.length > 1 ? Integer.parseInt(left[1]) : 0;
    int rightLine = right.length > 1 ? Integer.parseInt(right[1]) : 0;
    return Integer.compare(leftLine, rightLine);
  }
}

package io.lambdaflow.config;

import static io.lambdaflow.config.ConfigObjects.hasEntries;
import static io.lambdaflow.config.ConfigObjects.location;
import static io.lambdaflow.config.ConfigObjects.optionalString;
import static io.lambdaflow.config.ConfigObjects.unknownKey;
import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.pipeline.ContractSettings;
import io.lambdaflow.pipeline.EmbeddedKafkaSettings;
import io.lambdaflow.pipeline.EmbeddedPostgresSettings;
import io.lambdaflow.pipeline.EmbeddedS3Settings;
import io.lambdaflow.pipeline.IngestSettings;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.ScheduleSettings;
import io.lambdaflow.pipeline.SinkNode;
import io.lambdaflow.pipeline.SourceNode;
import io.lambdaflow.pipeline.SparkSettings;
import io.lambdaflow.pipeline.SpeedSettings;
import io.lambdaflow.pipeline.TransformNode;
import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.registry.PluginKind;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Suggestions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
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
 *
 * <p>This class is the facade; each part of the work has its own room in this package: {@link
 * ConfigSources} (reading, merging, redacting), {@link FrameworkSections} (spark, speed,
 * embedded-kafka, embedded-postgres), {@link PluginNodes} (sources, and finding and creating any
 * plugin), {@link TransformSection}, {@link SinkSection}, {@link ViewSection}, {@link
 * ContractSection} (master, metastore), {@link ServingSection}, {@link GraphCheck} (inputs, cycles,
 * order) and {@link ConfigObjects} (reading objects with problems collected).
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
          "embedded-postgres",
          "embedded-s3",
          "views",
          "master",
          "serving",
          "metastore",
          "store",
          "ingest",
          "schedule",
          "metrics");
  private static final Pattern PIPELINE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
  static final Pattern SECRET_KEY =
      Pattern.compile(
          ".*(password|passwd|secret|token|credential|api[-_.]?key|private[-_.]?key|sasl\\.jaas).*",
          Pattern.CASE_INSENSITIVE);

  private final PluginRegistry registry;
  private final PluginNodes nodes;
  private final SinkSection sinkSection;
  private final TransformSection transformSection;
  private final ConfigSources configSources;

  public PipelineLoader(PluginRegistry registry, ClassLoader classLoader) {
    requireNonNull(registry, "registry is null");
    requireNonNull(classLoader, "classLoader is null");
    this.registry = registry;
    this.nodes = new PluginNodes(registry);
    this.sinkSection = new SinkSection(nodes);
    this.transformSection = new TransformSection(nodes);
    this.configSources = new ConfigSources(classLoader);
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
    return read(file, overrides, requireNonNull(layers, "layers is null"));
  }

  /**
   * Loads and validates a pipeline file for the layers it declares itself (its {@code layers}), as
   * an application embedding it runs them.
   */
  public Pipeline load(Path file, Map<String, String> overrides) throws ConfigurationException {
    return read(file, overrides, null);
  }

  /** {@code layers} null: the layers the file declares. */
  private Pipeline read(Path file, Map<String, String> overrides, Set<ExecutionMode> layers)
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
    return interpret(text, originName, overrides, requireNonNull(layers, "layers is null"));
  }

  /** Loads and validates pipeline text for the layers it declares, as {@link #load(Path, Map)}. */
  public Pipeline parse(String text, String originName, Map<String, String> overrides)
      throws ConfigurationException {
    return interpret(text, originName, overrides, null);
  }

  private Pipeline interpret(
      String text, String originName, Map<String, String> overrides, Set<ExecutionMode> layers)
      throws ConfigurationException {
    Config parsed = ConfigText.parse(text, originName, Optional.empty());
    return validate(
        parsed, originName.replaceFirst("\\.(conf|hocon|json)$", ""), overrides, layers);
  }

  private Pipeline validate(
      Config file, String defaultName, Map<String, String> overrides, Set<ExecutionMode> layers)
      throws ConfigurationException {
    Config merged = configSources.merge(file, overrides);
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
    if (layers == null) {
      layers = declaredLayers;
    }
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
    // reference.conf gives every framework key its default; each of these is empty only after a
    // problem was added (ConfigObjects.section and .missing).
    Optional<String> storageRootValue =
        optionalString(root, "storage-root", "storage-root", problems);
    if (!root.containsKey("storage-root")) {
      problems.add(ConfigObjects.missing(root, "storage-root"));
    }
    String storageRoot = storageRootValue.orElse("");
    Optional<SparkSettings> spark = FrameworkSections.spark(root, problems);
    Optional<SpeedSettings> speed = FrameworkSections.speed(root, problems);
    Optional<EmbeddedKafkaSettings> embeddedKafka = FrameworkSections.embeddedKafka(root, problems);
    Optional<EmbeddedPostgresSettings> embeddedPostgres =
        FrameworkSections.embeddedPostgres(root, problems);
    spark.ifPresent(s -> FileSystemCheck.check(root, s.conf(), problems));
    Optional<EmbeddedS3Settings> embeddedS3 = FrameworkSections.embeddedS3(root, problems);
    Optional<IngestSettings> ingest = IngestSection.bind(root, problems);
    Optional<ScheduleSettings> schedule = ScheduleSection.bind(root, problems);
    Optional<io.lambdaflow.pipeline.MetricsSettings> metrics =
        FrameworkSections.metrics(root, problems);

    Set<String> sourceNames = new LinkedHashSet<>();
    Map<String, SourceNode> sources =
        nodes.sources(
            root, name, storageRoot, declaredLayers, layers, problems, secretPaths, sourceNames);
    List<Declared> declaredTransforms = new ArrayList<>();
    List<TransformNode> transforms =
        transformSection.transforms(
            root, name, storageRoot, sourceNames, problems, secretPaths, declaredTransforms);
    List<Declared> declaredSinks = new ArrayList<>();
    List<SinkNode> sinks =
        sinkSection.sinks(
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
        sinkSection.deadLetter(
            root, name, storageRoot, declaredLayers, layers, problems, secretPaths);
    List<ViewNode> views =
        ViewSection.views(root, sourceNames, declaredTransforms, problems, declaredSinks);
    if (!hasEntries(root, "sinks") && !hasEntries(root, "views")) {
      problems.add(
          new Problem(
              location(root, "sinks"),
              "sinks",
              "the pipeline has no sinks and no views; declare at least one, e.g. sinks { out {"
                  + " type = console } }"));
    }
    Optional<ContractSettings> contract =
        ContractSection.contract(
            root, name, storageRoot, sourceNames, nodes, problems, secretPaths);
    if (!views.isEmpty() && declaredLayers.contains(ExecutionMode.BATCH)) {
      for (SourceNode source : sources.values()) {
        if (!source.dimension() && !(source.spec() instanceof io.lambdaflow.spi.SupportsHorizon)) {
          problems.add(
              new Problem(
                  location((ConfigObject) root.get("sources"), source.name()),
                  "sources." + source.name(),
                  "views need sources the batch layer can read up to a horizon (files, kafka);"
                      + " source type '"
                      + source.type()
                      + "' cannot without a horizon column; a table that enriches the facts can"
                      + " be a dimension (dimension = true)"));
        }
      }
    }
    if (!sources.isEmpty() && sources.values().stream().allMatch(SourceNode::dimension)) {
      problems.add(
          new Problem(
              location(root, "sources"),
              "sources",
              "every source is a dimension; declare the facts the dimensions enrich as a source"
                  + " without dimension = true"));
    }
    List<TransformNode> ordered =
        GraphCheck.checkGraph(
            root, sourceNames, declaredTransforms, declaredSinks, transforms, problems);

    if (!problems.isEmpty()) {
      problems.sort(PipelineLoader::byLocation);
      throw new ConfigurationException(problems);
    }
    return new Pipeline(
        name,
        declaredLayers,
        storageRoot,
        spark.orElseThrow(),
        speed.orElseThrow(),
        embeddedKafka.orElseThrow(),
        embeddedPostgres.orElseThrow(),
        embeddedS3.orElseThrow(),
        List.copyOf(sources.values()),
        ordered,
        sinks,
        deadLetter.orElseThrow(),
        views,
        contract.orElseThrow(),
        ingest.orElseThrow(),
        schedule.orElseThrow(),
        metrics.orElseThrow(),
        configSources.redact(merged, secretPaths));
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
      Optional<LayerFactory> layer = registry.layer(layerName);
      if (mode.isPresent()) {
        result.add(mode.get());
      } else if (layer.isPresent()) {
        layer.get().mode().ifPresent(result::add);
      } else {
        Set<String> known = new TreeSet<>(registry.all(PluginKind.LAYER).keySet());
        known.addAll(List.of("batch", "speed"));
        problems.add(
            new Problem(
                Origins.describe(value.origin()),
                "layers",
                Suggestions.unknown("layer", layerName, known, "known layers")));
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

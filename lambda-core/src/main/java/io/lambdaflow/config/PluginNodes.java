package io.lambdaflow.config;

import static io.lambdaflow.config.ConfigObjects.asObject;
import static io.lambdaflow.config.ConfigObjects.checkNodeName;
import static io.lambdaflow.config.ConfigObjects.location;
import static io.lambdaflow.config.ConfigObjects.object;
import static io.lambdaflow.config.ConfigObjects.sorted;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.lambdaflow.pipeline.PluginChoice;
import io.lambdaflow.pipeline.SourceNode;
import io.lambdaflow.registry.PluginKind;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.InvalidOptionException;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.PluginFactory;
import io.lambdaflow.spi.SourceFactory;
import io.lambdaflow.spi.SourceSpec;
import io.lambdaflow.spi.Suggestions;
import io.lambdaflow.spi.SupportsBatchRead;
import io.lambdaflow.spi.SupportsStreamRead;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Plugins in a pipeline file: the sources section, and the one path every plugin is found, bound
 * and created by ({@link #instantiate}, {@link #bound}, {@link #named}), used by the transform and
 * sink sections and the framework's plugin choices too. What a source can do is checked against the
 * layers it runs in.
 */
final class PluginNodes {
  private static final Set<String> SOURCE_RESERVED = Set.of("type", "dimension", "refresh");

  private final PluginRegistry registry;

  PluginNodes(PluginRegistry registry) {
    this.registry = registry;
  }

  Map<String, SourceNode> sources(
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
      PluginContext context = new PluginContext(pipelineName, sourceName, storageRoot);
      Optional<Instance<SourceFactory, SourceSpec>> source =
          instantiate(
              PluginKind.SOURCE,
              SourceFactory.class,
              object.get(),
              path,
              SOURCE_RESERVED,
              context,
              problems,
              secretPaths,
              SourceFactory::create);
      if (source.isEmpty()) {
        continue;
      }
      boolean dimension = dimension(object.get(), path, problems);
      Optional<java.time.Duration> refresh = refresh(object.get(), path, dimension, problems);
      checkSourceModes(
          source.get().created(),
          source.get().factory().name(),
          object.get(),
          path,
          dimension ? Set.of(ExecutionMode.BATCH) : declaredLayers, // both layers read it bounded
          dimension ? Set.of(ExecutionMode.BATCH) : layers,
          problems);
      sources.put(
          sourceName,
          new SourceNode(
              sourceName,
              source.get().factory().name(),
              source.get().created(),
              dimension,
              refresh));
    }
    return sources;
  }

  /** {@code dimension = true}: read whole, in both layers, outside horizons. */
  private static boolean dimension(ConfigObject object, String path, List<Problem> problems) {
    ConfigValue value = object.get("dimension");
    if (value == null) {
      return false;
    }
    if (value.valueType() != com.typesafe.config.ConfigValueType.BOOLEAN) {
      problems.add(
          new Problem(
              location(object, "dimension"),
              path + ".dimension",
              "expected true or false (a dimension is read whole by both layers and joined with"
                  + " the facts), got "
                  + value.valueType().name().toLowerCase(java.util.Locale.ROOT)));
      return false;
    }
    return (Boolean) value.unwrapped();
  }

  /** A dimension's own {@code refresh = 10 minutes}; only a dimension may set one. */
  private static Optional<java.time.Duration> refresh(
      ConfigObject object, String path, boolean dimension, List<Problem> problems) {
    if (!object.containsKey("refresh")) {
      return Optional.empty();
    }
    if (!dimension) {
      problems.add(
          new Problem(
              location(object, "refresh"),
              path + ".refresh",
              "only a dimension source is refreshed; add dimension = true or remove refresh"));
      return Optional.empty();
    }
    try {
      return Optional.of(object.toConfig().getDuration("refresh"));
    } catch (com.typesafe.config.ConfigException e) {
      problems.add(
          new Problem(
              location(object, "refresh"),
              path + ".refresh",
              "expected a duration such as \"10 minutes\" or \"0 seconds\" (every micro-batch)"));
      return Optional.empty();
    }
  }

  void checkSourceModes(
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

  /** A plugin found by type and what its factory created from its checked options. */
  record Instance<F extends PluginFactory, T>(F factory, T created) {}

  /** How a factory of one kind creates what it makes. */
  interface Creator<F, T> {
    T create(F factory, PluginConfig config, PluginContext context);
  }

  /**
   * The one path every source, transform and sink takes: its factory found by {@code type}, its
   * options bound and checked (secret ones noted for redaction), then created; empty after adding
   * what is wrong to {@code problems}.
   */
  <F extends PluginFactory, T> Optional<Instance<F, T>> instantiate(
      PluginKind kind,
      Class<F> type,
      ConfigObject object,
      String path,
      Set<String> reserved,
      PluginContext context,
      List<Problem> problems,
      Set<String> secretPaths,
      Creator<F, T> creator) {
    return bound(kind, type, context.nodeName(), object, path, reserved, problems, secretPaths)
        .flatMap(
            chosen ->
                create(
                        object,
                        path,
                        problems,
                        () -> creator.create(chosen.factory(), chosen.options(), context))
                    .map(created -> new Instance<>(chosen.factory(), created)));
  }

  /**
   * The factory {@code object}'s {@code type} names and the object's options bound to it (secret
   * ones noted); empty after adding what is wrong to {@code problems}.
   */
  <F extends PluginFactory> Optional<PluginChoice<F>> bound(
      PluginKind kind,
      Class<F> type,
      String nodeName,
      ConfigObject object,
      String path,
      Set<String> reserved,
      List<Problem> problems,
      Set<String> secretPaths) {
    Optional<F> factory = factory(kind, object, path, problems).map(type::cast);
    if (factory.isEmpty()) {
      return Optional.empty();
    }
    String name = factory.get().name();
    Optional<PluginConfig> config =
        OptionBinder.bind(
            nodeName,
            kind.label() + " type '" + name + "'",
            factory.get().options(),
            object,
            path,
            reserved,
            problems);
    if (config.isEmpty()) {
      return Optional.empty();
    }
    collectSecrets(factory.get(), path, secretPaths);
    return Optional.of(new PluginChoice<>(name, factory.get(), config.get()));
  }

  Optional<PluginFactory> factory(
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
    return named(kind, (String) type.unwrapped(), type, path + ".type", problems);
  }

  /**
   * The factory of {@code kind} named {@code name}; a problem at {@code at} naming the closest
   * known name when there is none.
   */
  Optional<PluginFactory> named(
      PluginKind kind, String name, ConfigValue at, String path, List<Problem> problems) {
    Optional<PluginFactory> factory = registry.find(kind, name);
    if (factory.isEmpty()) {
      String message =
          Suggestions.unknown(
              kind.label() + " type",
              name,
              registry.all(kind).keySet(),
              "known " + kind.label() + " types");
      problems.add(
          new Problem(
              Origins.describe(at.origin()),
              path,
              message.contains("did you mean")
                  ? message
                  : message + "; if a plugin jar provides it, add the jar with --jars"));
    }
    return factory;
  }

  interface Creation<T> {
    T create();
  }

  static <T> Optional<T> create(
      ConfigObject object, String path, List<Problem> problems, Creation<T> creation) {
    try {
      return Optional.of(creation.create());
    } catch (InvalidOptionException e) {
      problems.add(
          new Problem(location(object, e.optionKey()), path + "." + e.optionKey(), e.getMessage()));
      return Optional.empty();
    }
  }

  static Set<ExecutionMode> layersToCheck(
      Set<ExecutionMode> declared, Set<ExecutionMode> requested) {
    Set<ExecutionMode> check = EnumSet.noneOf(ExecutionMode.class);
    check.addAll(declared);
    check.addAll(requested);
    return check;
  }

  static String supportedLayers(boolean batch, boolean speed) {
    return batch && speed ? "batch, speed" : batch ? "batch" : speed ? "speed" : "neither layer";
  }

  void collectSecrets(PluginFactory factory, String path, Set<String> secretPaths) {
    for (ConfigOption<?> option : factory.options().all()) {
      if (option.isSecret()) {
        secretPaths.add(path + "." + option.key());
      }
    }
  }
}

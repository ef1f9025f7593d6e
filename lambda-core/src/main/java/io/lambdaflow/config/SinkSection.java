package io.lambdaflow.config;

import static io.lambdaflow.config.ConfigObjects.asObject;
import static io.lambdaflow.config.ConfigObjects.checkNodeName;
import static io.lambdaflow.config.ConfigObjects.location;
import static io.lambdaflow.config.ConfigObjects.object;
import static io.lambdaflow.config.ConfigObjects.optionalString;
import static io.lambdaflow.config.ConfigObjects.sorted;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import io.lambdaflow.pipeline.SinkNode;
import io.lambdaflow.registry.PluginKind;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.SinkFactory;
import io.lambdaflow.spi.SinkSpec;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.SupportsStreamWrite;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code sinks} section and the dead-letter sink: plugins like the others, plus output modes.
 */
final class SinkSection {
  private static final Set<String> SINK_RESERVED =
      Set.of("type", "input", "output-mode", "trigger", "layers");
  private static final List<String> OUTPUT_MODES = List.of("append", "update", "complete");

  private final PluginNodes nodes;

  SinkSection(PluginNodes nodes) {
    this.nodes = nodes;
  }

  List<SinkNode> sinks(
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

  Optional<SinkNode> deadLetter(
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

  Optional<SinkNode> sink(
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
    PluginContext context = new PluginContext(pipelineName, sinkName, storageRoot);
    Optional<PluginNodes.Instance<SinkFactory, SinkSpec>> sink =
        nodes.instantiate(
            PluginKind.SINK,
            SinkFactory.class,
            object,
            path,
            reserved,
            context,
            problems,
            secretPaths,
            SinkFactory::create);
    if (sink.isEmpty()) {
      return Optional.empty();
    }
    SinkFactory factory = sink.get().factory();
    SinkSpec spec = sink.get().created();
    Set<ExecutionMode> writtenIn = sinkLayers(object, path, declaredLayers, problems);
    Set<ExecutionMode> toCheck = PluginNodes.layersToCheck(declaredLayers, layers);
    toCheck.retainAll(writtenIn);
    for (ExecutionMode mode : toCheck) {
      boolean supported =
          mode == ExecutionMode.BATCH
              ? spec instanceof SupportsBatchWrite
              : spec instanceof SupportsStreamWrite;
      if (!supported) {
        problems.add(
            new Problem(
                location(object, "type"),
                path + ".type",
                "sink type '"
                    + factory.name()
                    + "' cannot be written by the "
                    + mode.layerName()
                    + " layer (it supports: "
                    + PluginNodes.supportedLayers(
                        spec instanceof SupportsBatchWrite, spec instanceof SupportsStreamWrite)
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
    } else if (toCheck.contains(ExecutionMode.STREAMING)
        && spec instanceof SupportsStreamWrite streaming) {
      PluginNodes.create(
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
      FrameworkSections.checkTrigger(
          trigger, location(object, "trigger"), path + ".trigger", problems);
    }
    return input == null
        ? Optional.empty()
        : Optional.of(
            new SinkNode(sinkName, factory.name(), input, spec, outputMode, trigger, writtenIn));
  }

  /** The sink's own {@code layers = [batch]}, each one of the pipeline's; all when absent. */
  private static Set<ExecutionMode> sinkLayers(
      ConfigObject object, String path, Set<ExecutionMode> declared, List<Problem> problems) {
    com.typesafe.config.ConfigValue value = object.get("layers");
    if (value == null) {
      return java.util.EnumSet.allOf(ExecutionMode.class);
    }
    Set<ExecutionMode> modes = java.util.EnumSet.noneOf(ExecutionMode.class);
    try {
      for (String name : io.lambdaflow.spi.OptionTypes.stringList().convert(value.unwrapped())) {
        Optional<ExecutionMode> mode =
            java.util.Arrays.stream(ExecutionMode.values())
                .filter(m -> m.layerName().equals(name))
                .findFirst();
        if (mode.isEmpty() || !declared.contains(mode.get())) {
          throw new IllegalArgumentException(
              "'"
                  + name
                  + "' is not one of the pipeline's layers "
                  + declared.stream().map(ExecutionMode::layerName).sorted().toList());
        }
        modes.add(mode.get());
      }
    } catch (IllegalArgumentException e) {
      problems.add(
          new Problem(
              Origins.describe(value.origin()),
              path + ".layers",
              "expected the layers that write this sink, e.g. [batch], " + e.getMessage()));
      return java.util.EnumSet.allOf(ExecutionMode.class);
    }
    return modes;
  }
}

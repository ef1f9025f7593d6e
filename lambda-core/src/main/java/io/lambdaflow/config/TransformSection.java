package io.lambdaflow.config;

import static io.lambdaflow.config.ConfigObjects.asObject;
import static io.lambdaflow.config.ConfigObjects.checkNodeName;
import static io.lambdaflow.config.ConfigObjects.location;
import static io.lambdaflow.config.ConfigObjects.optionalString;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.lambdaflow.pipeline.TransformNode;
import io.lambdaflow.registry.PluginKind;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.Transform;
import io.lambdaflow.spi.TransformFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The transform chain: each transform's name and inputs (the previous one's output unless it names
 * its own), declared for the graph checks, and its plugin instantiated.
 */
final class TransformSection {
  private static final Set<String> TRANSFORM_RESERVED =
      Set.of("type", "name", "input", "inputs", ExpectSection.KEY);

  private final PluginNodes nodes;

  TransformSection(PluginNodes nodes) {
    this.nodes = nodes;
  }

  List<TransformNode> transforms(
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
      PluginContext context = new PluginContext(pipelineName, transformName, storageRoot);
      Optional<PluginNodes.Instance<TransformFactory, Transform>> transform =
          nodes.instantiate(
              PluginKind.TRANSFORM,
              TransformFactory.class,
              object.get(),
              path,
              TRANSFORM_RESERVED,
              context,
              problems,
              secretPaths,
              TransformFactory::create);
      List<io.lambdaflow.pipeline.Expectation> expectations =
          ExpectSection.expectations(
              object.get().get(ExpectSection.KEY), transformName, path, problems);
      if (transform.isPresent() && !inputs.isEmpty()) {
        transforms.add(
            new TransformNode(
                transformName,
                transform.get().factory().name(),
                inputs,
                transform.get().created(),
                expectations));
      }
    }
    return transforms;
  }

  List<String> inputs(ConfigObject object, String path, String previous, List<Problem> problems) {
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
}

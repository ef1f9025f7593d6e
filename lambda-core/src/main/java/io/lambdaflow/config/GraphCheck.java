package io.lambdaflow.config;

import static io.lambdaflow.config.ConfigObjects.location;

import com.typesafe.config.ConfigObject;
import io.lambdaflow.pipeline.TransformNode;
import io.lambdaflow.spi.Suggestions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The pipeline graph: every input defined, no cycles, transforms in the order they can run. */
final class GraphCheck {
  private GraphCheck() {}

  /** Checks inputs exist, finds cycles and unused nodes; returns transforms after their inputs. */
  static List<TransformNode> checkGraph(
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

  static void visit(
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

  static String undefinedInput(String input, Set<String> known) {
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
}

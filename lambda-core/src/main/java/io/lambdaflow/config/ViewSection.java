package io.lambdaflow.config;

import static io.lambdaflow.config.ConfigObjects.NODE_NAME;
import static io.lambdaflow.config.ConfigObjects.asObject;
import static io.lambdaflow.config.ConfigObjects.checkNodeName;
import static io.lambdaflow.config.ConfigObjects.location;
import static io.lambdaflow.config.ConfigObjects.object;
import static io.lambdaflow.config.ConfigObjects.sorted;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.Suggestions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** The {@code views} section: append and aggregate views, their options and measures. */
final class ViewSection {
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

  private ViewSection() {}

  static List<ViewNode> views(
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
              viewName,
              "a view",
              VIEW_OPTIONS,
              object.get(),
              path,
              Set.of(ExpectSection.KEY),
              problems);
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
              measures,
              ExpectSection.expectations(
                  object.get().get(ExpectSection.KEY), viewName, path, problems)));
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
}

package io.lambdaflow.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.lambdaflow.pipeline.PluginChoice;
import io.lambdaflow.registry.PluginKind;
import io.lambdaflow.spi.PluginFactory;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Framework sections that choose a plugin: {@code serving.engine} and {@code store}. Either the
 * plugin's name alone ({@code engine = duckdb}) or {@code { type = duckdb, ...its options }}; found
 * and bound through the same path as sources, transforms and sinks.
 */
final class PluginChoices {
  private PluginChoices() {}

  static <F extends PluginFactory> Optional<PluginChoice<F>> bind(
      PluginNodes nodes,
      PluginKind kind,
      Class<F> type,
      ConfigValue value,
      String path,
      List<Problem> problems,
      Set<String> secretPaths) {
    if (value.valueType() == ConfigValueType.STRING) {
      // The name alone: the plugin with its defaults, checked like { type = name } (a required
      // option is reported at this line).
      value = value.atKey("type").root();
    }
    if (value.valueType() != ConfigValueType.OBJECT) {
      problems.add(
          new Problem(
              Origins.describe(value.origin()),
              path,
              "expected a "
                  + kind.label()
                  + " name or { type = NAME, ... }, got "
                  + value.valueType().name().toLowerCase(Locale.ROOT)));
      return Optional.empty();
    }
    return nodes.bound(
        kind, type, path, (ConfigObject) value, path, Set.of("type"), problems, secretPaths);
  }
}

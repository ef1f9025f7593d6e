package io.lambdaflow.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionRule;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.Suggestions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Binds one plugin's configuration object to its declared {@link Options}, collecting problems. */
final class OptionBinder {
  private OptionBinder() {}

  /**
   * Returns the typed configuration, or empty when any option is wrong (each wrong option is added
   * to {@code problems}).
   *
   * @param subject how errors name the plugin: "source type 'files'"
   * @param path the key path of {@code object}
   * @param reserved keys the framework reads itself (type, input, ...)
   */
  static Optional<PluginConfig> bind(
      String nodeName,
      String subject,
      Options options,
      ConfigObject object,
      String path,
      Set<String> reserved,
      List<Problem> problems) {
    int before = problems.size();
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
      String key = entry.getKey();
      if (reserved.contains(key)) {
        continue;
      }
      Optional<ConfigOption<?>> option = options.find(key);
      String location = Origins.describe(entry.getValue().origin());
      if (option.isEmpty()) {
        problems.add(
            new Problem(
                location, path + "." + key, unknownOption(key, subject, options, reserved)));
        continue;
      }
      try {
        values.put(key, option.get().type().convert(entry.getValue().unwrapped()));
      } catch (IllegalArgumentException e) {
        // A value from the environment or of a secret option is never echoed, and an environment
        // value is placed at the object that referenced it, not at "env variables".
        boolean fromEnvironment = Origins.isEnvironment(entry.getValue().origin());
        boolean secret =
            option.get().isSecret() || PipelineLoader.SECRET_KEY.matcher(key).matches();
        problems.add(
            new Problem(
                fromEnvironment ? Origins.describe(object.origin()) : location,
                path + "." + key,
                "expected "
                    + option.get().type().expectation()
                    + ", "
                    + (fromEnvironment
                        ? "got a value from an environment variable (not shown)"
                        : secret ? "got a secret value (not shown)" : e.getMessage())));
      }
    }
    for (ConfigOption<?> option : options.all()) {
      if (option.isRequired() && !object.containsKey(option.key())) {
        problems.add(
            new Problem(
                Origins.describe(object.origin()),
                path + "." + option.key(),
                "missing required option '"
                    + option.key()
                    + "' ("
                    + option.type().expectation()
                    + ") of "
                    + subject
                    + ": "
                    + option.description()));
      }
    }
    if (problems.size() > before) {
      return Optional.empty();
    }
    PluginConfig config = new PluginConfig(nodeName, options, values);
    for (OptionRule rule : options.rules()) {
      for (OptionRule.Violation violation : rule.check(config)) {
        ConfigValue value = object.get(violation.optionKey());
        problems.add(
            new Problem(
                Origins.describe(value != null ? value.origin() : object.origin()),
                path + "." + violation.optionKey(),
                violation.message()));
      }
    }
    return problems.size() > before ? Optional.empty() : Optional.of(config);
  }

  static String unknownOption(String key, String subject, Options options, Set<String> reserved) {
    Set<String> known = new TreeSet<>(reserved);
    options.all().forEach(o -> known.add(o.key()));
    String hint =
        Suggestions.closest(key, known).map(c -> "; did you mean '" + c + "'?").orElse("");
    return "unknown option '"
        + key
        + "' for "
        + subject
        + hint
        + " (known options: "
        + String.join(", ", known)
        + ")";
  }
}

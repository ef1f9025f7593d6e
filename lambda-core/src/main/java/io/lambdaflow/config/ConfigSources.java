package io.lambdaflow.config;

import static io.lambdaflow.config.ConfigObjects.object;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where a pipeline's configuration comes from: the file, the command line's overrides, the defaults
 * in {@code reference.conf}, merged and resolved; and the merged text with its secrets redacted.
 */
final class ConfigSources {
  private static final String REDACTED = "******";
  private static final String ROOT = PipelineLoader.ROOT;
  private static final java.util.regex.Pattern SECRET_KEY = PipelineLoader.SECRET_KEY;

  private final ClassLoader classLoader;

  ConfigSources(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  Config merge(Config file, Map<String, String> overrides) throws ConfigurationException {
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
  static Config commandLine(Map<String, String> overrides) throws ConfigurationException {
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

  Config pipelineDefaults() {
    Config reference = ConfigFactory.parseResourcesAnySyntax(classLoader, "reference.conf");
    ConfigValue value = reference.root();
    for (String key : ROOT.split("\\.")) {
      value = value instanceof ConfigObject object ? object.get(key) : null;
    }
    return value instanceof ConfigObject object ? object.toConfig() : ConfigFactory.empty();
  }

  static String redact(Config merged, Set<String> secretPaths) {
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

  static Problem substitutionProblem(ConfigException.UnresolvedSubstitution e) {
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
}

package io.lambdaflow.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.lambdaflow.spi.Suggestions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reading a pipeline file's objects with problems collected, not thrown: the helpers every section
 * of {@link PipelineLoader} uses (objects, strings, names, unknown keys, locations).
 */
final class ConfigObjects {
  static final Pattern NODE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private ConfigObjects() {}

  static boolean hasEntries(ConfigObject root, String key) {
    return root.get(key) instanceof ConfigObject object && !object.isEmpty();
  }

  static boolean checkNodeName(
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

  static Optional<ConfigObject> object(
      ConfigObject parent, String key, String path, List<Problem> problems) {
    ConfigValue value = parent.get(key);
    return value == null ? Optional.empty() : asObject(value, path, "an object", problems);
  }

  /**
   * A framework section reference.conf always provides: a problem when it is absent (set to null in
   * a file, which stops it merging with the defaults) or not an object.
   */
  static Optional<ConfigObject> section(
      ConfigObject parent, String key, String path, List<Problem> problems) {
    if (parent.get(key) == null) {
      problems.add(missing(parent, path));
      return Optional.empty();
    }
    return object(parent, key, path, problems);
  }

  /** The problem of a framework key missing from a file read over reference.conf. */
  static Problem missing(ConfigObject parent, String path) {
    return new Problem(
        Origins.describe(parent.origin()),
        path,
        "missing '"
            + path
            + "': reference.conf gives it a default, so it was set to null here, or"
            + " reference.conf is not on the classpath");
  }

  static Optional<ConfigObject> asObject(
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

  static Optional<String> optionalString(
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

  static Problem unknownKey(
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

  static List<Map.Entry<String, ConfigValue>> sorted(ConfigObject object) {
    List<Map.Entry<String, ConfigValue>> entries = new ArrayList<>(object.entrySet());
    entries.sort(
        (a, b) ->
            Integer.compare(
                a.getValue().origin().lineNumber(), b.getValue().origin().lineNumber()));
    return entries;
  }
}

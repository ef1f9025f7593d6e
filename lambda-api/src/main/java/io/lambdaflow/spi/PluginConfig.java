package io.lambdaflow.spi;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A plugin's validated configuration: every set option already converted to its declared type.
 * Reading an option that was not declared is a programming error.
 */
public final class PluginConfig {
  private final String nodeName;
  private final Options options;
  private final Map<String, Object> values;

  /**
   * @param nodeName the name of the source, transform or sink configured
   * @param options the declared options
   * @param values the typed values of the options that are set, by key
   */
  public PluginConfig(String nodeName, Options options, Map<String, Object> values) {
    this.nodeName = requireNonNull(nodeName, "nodeName is null");
    this.options = requireNonNull(options, "options is null");
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** The name of the source, transform or sink this configures. */
  public String nodeName() {
    return nodeName;
  }

  /** The option's value, or its default when not set. */
  public <T> T get(ConfigOption<T> option) {
    return find(option)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "option '"
                        + option.key()
                        + "' of '"
                        + nodeName
                        + "' is not set and has no default"));
  }

  /** The option's value, or its default, or empty when neither exists. */
  @SuppressWarnings("unchecked")
  public <T> Optional<T> find(ConfigOption<T> option) {
    checkDeclared(option);
    Object value = values.get(option.key());
    return value != null ? Optional.of((T) value) : option.defaultValue();
  }

  /** Whether the option was set in configuration (a default does not count). */
  public boolean isSet(ConfigOption<?> option) {
    checkDeclared(option);
    return values.containsKey(option.key());
  }

  private void checkDeclared(ConfigOption<?> option) {
    if (options.find(option.key()).orElse(null) != option) {
      throw new IllegalArgumentException(
          "option '" + option.key() + "' is not one of the declared options " + options.all());
    }
  }
}

package io.lambdaflow.spi;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * One option a plugin accepts, declared once with its key, type, default and description.
 *
 * <pre>{@code
 * static final ConfigOption<String> PATH =
 *     ConfigOption.required("path", OptionTypes.string(), "The directory or file to read.");
 * static final ConfigOption<Boolean> HEADER =
 *     ConfigOption.optional("header", OptionTypes.bool(), true, "Whether the first line names the columns.");
 * }</pre>
 *
 * @param <T> the typed value
 */
public final class ConfigOption<T> {
  private final String key;
  private final OptionType<T> type;
  private final boolean required;
  private final T defaultValue;
  private final String description;
  private final boolean secret;

  private ConfigOption(
      String key,
      OptionType<T> type,
      boolean required,
      T defaultValue,
      String description,
      boolean secret) {
    this.key = requireNonNull(key, "key is null");
    this.type = requireNonNull(type, "type is null");
    this.required = required;
    this.defaultValue = defaultValue;
    this.description = requireNonNull(description, "description is null");
    this.secret = secret;
    if (key.isBlank() || key.contains(".")) {
      throw new IllegalArgumentException(
          "option key '" + key + "' must be a non-empty name without dots");
    }
  }

  /** An option that must be set. */
  public static <T> ConfigOption<T> required(String key, OptionType<T> type, String description) {
    return new ConfigOption<>(key, type, true, null, description, false);
  }

  /** An option with a default value used when it is not set. */
  public static <T> ConfigOption<T> optional(
      String key, OptionType<T> type, T defaultValue, String description) {
    requireNonNull(
        defaultValue, "defaultValue is null; use optional(key, type, description) for no default");
    return new ConfigOption<>(key, type, false, defaultValue, description, false);
  }

  /** An option that may be left unset, with no default; read it with {@link PluginConfig#find}. */
  public static <T> ConfigOption<T> optional(String key, OptionType<T> type, String description) {
    return new ConfigOption<>(key, type, false, null, description, false);
  }

  /** The same option, marked secret: its value is redacted wherever configuration is printed. */
  public ConfigOption<T> secret() {
    return new ConfigOption<>(key, type, required, defaultValue, description, true);
  }

  public String key() {
    return key;
  }

  public OptionType<T> type() {
    return type;
  }

  public boolean isRequired() {
    return required;
  }

  public Optional<T> defaultValue() {
    return Optional.ofNullable(defaultValue);
  }

  public String description() {
    return description;
  }

  public boolean isSecret() {
    return secret;
  }

  @Override
  public String toString() {
    return key + " (" + type.expectation() + (required ? ", required" : "") + ")";
  }
}

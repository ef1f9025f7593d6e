package io.lambdaflow.spi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The options a plugin accepts and the rules across them. */
public final class Options {
  private final Map<String, ConfigOption<?>> byKey;
  private final List<OptionRule> rules;

  private Options(Map<String, ConfigOption<?>> byKey, List<OptionRule> rules) {
    this.byKey = byKey;
    this.rules = List.copyOf(rules);
  }

  /** These options, with no rules across them. */
  public static Options of(ConfigOption<?>... options) {
    Map<String, ConfigOption<?>> byKey = new LinkedHashMap<>();
    for (ConfigOption<?> option : options) {
      if (byKey.put(option.key(), option) != null) {
        throw new IllegalArgumentException("option '" + option.key() + "' is declared twice");
      }
    }
    return new Options(byKey, List.of());
  }

  /** These options with the given rules added. */
  public Options withRules(OptionRule... more) {
    List<OptionRule> combined = new java.util.ArrayList<>(rules);
    combined.addAll(List.of(more));
    return new Options(byKey, combined);
  }

  /** Every declared option, in declaration order. */
  public List<ConfigOption<?>> all() {
    return List.copyOf(byKey.values());
  }

  /** The option with that key, if declared. */
  public Optional<ConfigOption<?>> find(String key) {
    return Optional.ofNullable(byKey.get(key));
  }

  /** The rules across options. */
  public List<OptionRule> rules() {
    return rules;
  }
}

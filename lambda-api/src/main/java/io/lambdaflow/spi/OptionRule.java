package io.lambdaflow.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A rule across options, checked during validation after each option has its type. Standard rules
 * are the static factories; a plugin with a rule of its own implements the interface.
 */
@FunctionalInterface
public interface OptionRule {

  /** A broken rule: the option at fault and what is wrong. */
  record Violation(String optionKey, String message) {
    public Violation {
      Objects.requireNonNull(optionKey, "optionKey is null");
      Objects.requireNonNull(message, "message is null");
    }
  }

  /** Returns every violation of this rule in {@code config}; empty when it holds. */
  List<Violation> check(PluginConfig config);

  /** At most one of the options may be set. */
  static OptionRule exclusive(ConfigOption<?> first, ConfigOption<?> second) {
    return config ->
        config.isSet(first) && config.isSet(second)
            ? List.of(
                new Violation(
                    second.key(),
                    "'"
                        + first.key()
                        + "' and '"
                        + second.key()
                        + "' cannot both be set; choose one"))
            : List.of();
  }

  /** Exactly one of the options must be set. */
  static OptionRule exactlyOne(ConfigOption<?> first, ConfigOption<?> second) {
    return config -> {
      if (config.isSet(first) == config.isSet(second)) {
        return List.of(
            new Violation(
                first.key(),
                "set exactly one of '" + first.key() + "' and '" + second.key() + "'"));
      }
      return List.of();
    };
  }

  /** {@code option} must be set when {@code when} has one of {@code values}. */
  static OptionRule requiredIf(
      ConfigOption<?> option, ConfigOption<String> when, String... values) {
    return config -> {
      String actual = config.find(when).orElse(null);
      if (actual != null && matches(actual, values) && !config.isSet(option)) {
        return List.of(
            new Violation(
                option.key(),
                "missing required option '"
                    + option.key()
                    + "' ("
                    + option.type().expectation()
                    + ") when "
                    + when.key()
                    + " = "
                    + actual
                    + ": "
                    + option.description()));
      }
      return List.of();
    };
  }

  /** {@code option} may only be set when {@code when} has one of {@code values}. */
  static OptionRule onlyIf(ConfigOption<?> option, ConfigOption<String> when, String... values) {
    return config -> {
      String actual = config.find(when).orElse("(unset)");
      if (config.isSet(option) && !matches(actual, values)) {
        return List.of(
            new Violation(
                option.key(),
                "option '"
                    + option.key()
                    + "' applies only when "
                    + when.key()
                    + " is "
                    + (values.length == 1 ? values[0] : "one of " + List.of(values))
                    + ", not "
                    + actual));
      }
      return List.of();
    };
  }

  /** All of the rules. */
  static OptionRule all(OptionRule... rules) {
    return config -> {
      List<Violation> violations = new ArrayList<>();
      for (OptionRule rule : rules) {
        violations.addAll(rule.check(config));
      }
      return violations;
    };
  }

  private static boolean matches(String actual, String... values) {
    for (String value : values) {
      if (value.toLowerCase(Locale.ROOT).equals(actual.toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }
}

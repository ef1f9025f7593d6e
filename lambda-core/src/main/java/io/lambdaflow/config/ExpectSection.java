package io.lambdaflow.config;

import static io.lambdaflow.config.ConfigObjects.NODE_NAME;
import static io.lambdaflow.config.ConfigObjects.asObject;
import static io.lambdaflow.config.ConfigObjects.location;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.lambdaflow.pipeline.Expectation;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code expect} list of a transform or a view: each entry's name, its condition (checked with
 * Spark's SQL parser, so a typo is reported with file and line before any session starts) and its
 * {@code on-failure} policy.
 */
final class ExpectSection {
  static final String KEY = "expect";

  private static final ConfigOption<String> NAME =
      ConfigOption.required("name", OptionTypes.string(), "The expectation's name.");
  private static final ConfigOption<String> CONDITION =
      ConfigOption.required(
          "condition", OptionTypes.expression(), "What every record should meet, Spark SQL.");
  private static final ConfigOption<String> ON_FAILURE =
      ConfigOption.optional(
          "on-failure",
          OptionTypes.oneOf("warn", "drop", "quarantine", "fail"),
          "warn",
          "What a failing record gets.");
  private static final Options OPTIONS = Options.of(NAME, CONDITION, ON_FAILURE);

  private ExpectSection() {}

  /** The expectations under {@code expect} of {@code stage}'s settings at {@code path}. */
  static List<Expectation> expectations(
      ConfigValue value, String stage, String path, List<Problem> problems) {
    List<Expectation> expectations = new ArrayList<>();
    if (value == null) {
      return expectations;
    }
    String listPath = path + "." + KEY;
    if (value.valueType() != ConfigValueType.LIST) {
      problems.add(
          new Problem(
              Origins.describe(value.origin()),
              listPath,
              "expected a list of expectations, [ { name = positive_amount, condition = \"amount"
                  + " > 0\", on-failure = quarantine } ], got "
                  + value.valueType().name().toLowerCase(Locale.ROOT)));
      return expectations;
    }
    Set<String> names = new HashSet<>();
    ConfigList list = (ConfigList) value;
    for (int index = 0; index < list.size(); index++) {
      String entryPath = listPath + "[" + index + "]";
      Optional<PluginConfig> bound =
          asObject(list.get(index), entryPath, "an expectation", problems)
              .flatMap(
                  object ->
                      OptionBinder.bind(
                          stage, "an expectation", OPTIONS, object, entryPath, Set.of(), problems));
      if (bound.isEmpty()) {
        continue;
      }
      String name = bound.get().get(NAME);
      String where = location((com.typesafe.config.ConfigObject) list.get(index), "name");
      // A leading '_' and 'records' are the observed metric's own columns.
      if (!NODE_NAME.matcher(name).matches() || name.startsWith("_") || name.equals("records")) {
        problems.add(
            new Problem(
                where,
                entryPath + ".name",
                "expectation name '"
                    + name
                    + "' is not usable as a metric name; use letters, digits and '_', starting"
                    + " with a letter (and not 'records')"));
        continue;
      }
      if (!names.add(name)) {
        problems.add(
            new Problem(
                where,
                entryPath + ".name",
                "expectation '" + name + "' is declared twice for '" + stage + "'"));
        continue;
      }
      expectations.add(
          new Expectation(
              name,
              bound.get().get(CONDITION),
              Expectation.Policy.valueOf(bound.get().get(ON_FAILURE).toUpperCase(Locale.ROOT))));
    }
    return expectations;
  }
}

package io.lambdaflow.cli;

import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionRule;
import io.lambdaflow.spi.PluginConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Checks a layer's options from the command line as plugin options are checked in a file. */
final class LayerOptions {
  private LayerOptions() {}

  /** What is wrong with {@code options}: a required one missing, or a broken rule. */
  static Optional<String> problem(LayerFactory factory, PluginConfig options) {
    List<String> problems = new ArrayList<>();
    for (ConfigOption<?> option : factory.options().all()) {
      if (option.isRequired() && !options.isSet(option)) {
        problems.add("--" + option.key() + " is required: " + option.description());
      }
    }
    if (problems.isEmpty()) {
      for (OptionRule rule : factory.options().rules()) {
        for (OptionRule.Violation violation : rule.check(options)) {
          problems.add("--" + violation.optionKey() + ": " + violation.message());
        }
      }
    }
    return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
  }
}

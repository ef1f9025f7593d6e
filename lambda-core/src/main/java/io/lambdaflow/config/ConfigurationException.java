package io.lambdaflow.config;

import java.util.List;
import java.util.stream.Collectors;

/** A pipeline configuration that cannot run, with every problem found in it. */
public class ConfigurationException extends Exception {
  private final List<Problem> problems;

  public ConfigurationException(List<Problem> problems) {
    super(format(problems));
    this.problems = List.copyOf(problems);
    if (this.problems.isEmpty()) {
      throw new IllegalArgumentException("a configuration exception needs at least one problem");
    }
  }

  /** Every problem, in file order. */
  public List<Problem> problems() {
    return problems;
  }

  private static String format(List<Problem> problems) {
    String header =
        problems.size() == 1
            ? "1 configuration problem:"
            : problems.size() + " configuration problems:";
    return problems.stream()
        .map(p -> "  " + p)
        .collect(Collectors.joining("\n", header + "\n", ""));
  }
}

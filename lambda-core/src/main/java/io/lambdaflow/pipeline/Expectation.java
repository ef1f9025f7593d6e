package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * A data-quality expectation of a transform or a view: a named condition every record should meet,
 * and what a record that does not meet it gets. A record meets it when the condition is true; false
 * and null (a condition over a missing value) both fail.
 *
 * @param name the expectation's name, unique within its transform or view
 * @param condition a Spark SQL boolean expression over the stage's columns
 * @param policy what a failing record gets
 */
public record Expectation(String name, String condition, Policy policy) {

  /** What a record failing an expectation gets. */
  public enum Policy {
    /** Kept and counted. */
    WARN,
    /** Left out and counted. */
    DROP,
    /** Sent to the dead letters, with the expectation's name as the reason. */
    QUARANTINE,
    /** Stops the run with a message naming the expectation and the record. */
    FAIL;

    /** The policy as written in a pipeline file: {@code warn}, {@code drop}, ... */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public Expectation {
    requireNonNull(name, "name is null");
    requireNonNull(condition, "condition is null");
    requireNonNull(policy, "policy is null");
  }

  /** The dead-letter reason of a record it quarantines. */
  public String reason() {
    return "expectation '" + name + "' failed: " + condition;
  }
}

package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * A view of the lambda contract: declared once, it drives the batch view (recomputed from the
 * master dataset), the speed view (records past the batch horizon) and how serving merges them.
 *
 * @param name the view's name, as served and as registered in the metastore
 * @param input the source or transform it reads
 * @param kind append-only (a filtered projection) or aggregate (group-by keys and measures)
 * @param filter rows kept, a Spark SQL condition, if any
 * @param columns append views: the columns (expressions allowed, {@code x AS y}) kept; empty for
 *     every column of the input
 * @param keys append views: the columns lookups may use (empty: any); aggregate views: the group-by
 *     columns
 * @param measures aggregate views: the measures, in declared order
 * @param expectations what the records it keeps should meet (checked after its filter)
 */
public record ViewNode(
    String name,
    String input,
    Kind kind,
    Optional<String> filter,
    List<String> columns,
    List<String> keys,
    List<Measure> measures,
    List<Expectation> expectations) {

  /** The kinds of view. */
  public enum Kind {
    APPEND,
    AGGREGATE
  }

  /** The aggregate functions a measure may use; each merges across layers. */
  public enum Function {
    COUNT,
    SUM,
    MIN,
    MAX,
    AVG;

    public String sqlName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One measure of an aggregate view.
   *
   * @param name its column name
   * @param function how it aggregates
   * @param expression what it aggregates, a Spark SQL expression; empty for {@code count} of rows
   */
  public record Measure(String name, Function function, String expression) {
    public Measure {
      requireNonNull(name, "name is null");
      requireNonNull(function, "function is null");
      requireNonNull(expression, "expression is null");
    }
  }

  /** A view without expectations. */
  public ViewNode(
      String name,
      String input,
      Kind kind,
      Optional<String> filter,
      List<String> columns,
      List<String> keys,
      List<Measure> measures) {
    this(name, input, kind, filter, columns, keys, measures, List.of());
  }

  public ViewNode {
    expectations = List.copyOf(expectations);
    requireNonNull(name, "name is null");
    requireNonNull(input, "input is null");
    requireNonNull(kind, "kind is null");
    requireNonNull(filter, "filter is null");
    columns = List.copyOf(columns);
    keys = List.copyOf(keys);
    measures = List.copyOf(measures);
  }
}

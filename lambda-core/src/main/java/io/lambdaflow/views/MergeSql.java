package io.lambdaflow.views;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.spi.MetadataColumns;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The SQL, in the dialect DuckDB and Spark SQL share, that serves a view: the speed rows past the
 * horizon, their partial aggregates, and the batch view merged with them by each measure's combine
 * function (counts and sums add, min of mins, max of maxes, averages from summed sums and counts).
 * Append views union. Identifiers are quoted by the engine's own rule.
 */
public final class MergeSql {
  /** The columns of the horizon relation: source, partition and exclusive end offset. */
  public static final List<String> HORIZON_COLUMNS = List.of("source", "part", "end_offset");

  private final UnaryOperator<String> quote;

  /**
   * @param quote quotes an identifier for the engine: {@code "x"} or {@code `x`}
   */
  public MergeSql(UnaryOperator<String> quote) {
    this.quote = requireNonNull(quote, "quote is null");
  }

  /** The rows of {@code speedRows} that {@code horizon} does not cover. */
  public String pastHorizon(String speedRows, String horizon) {
    return "SELECT s.* FROM "
        + speedRows
        + " s WHERE NOT EXISTS (SELECT 1 FROM "
        + horizon
        + " h WHERE h.source = s."
        + quote.apply(MetadataColumns.SOURCE)
        + " AND h.part = s."
        + quote.apply(MetadataColumns.PARTITION)
        + " AND s."
        + quote.apply(MetadataColumns.OFFSET)
        + " < h.end_offset)";
  }

  /**
   * The speed side of a view in the batch view's shape: append views project {@code columns};
   * aggregate views aggregate to partials.
   */
  public String speedPart(ViewNode view, List<String> columns, String speedRows) {
    if (view.kind() == ViewNode.Kind.APPEND) {
      return "SELECT " + list(columns) + " FROM " + speedRows;
    }
    List<String> select = new ArrayList<>();
    view.keys().forEach(k -> select.add(quote.apply(k)));
    for (ViewNode.Measure measure : view.measures()) {
      String in = quote.apply(ViewQueries.measureInput(measure));
      String name = quote.apply(measure.name());
      switch (measure.function()) {
        case COUNT ->
            select.add(
                (measure.expression().isEmpty() ? "COUNT(*)" : "COUNT(" + in + ")")
                    + " AS "
                    + name);
        case SUM, MIN, MAX -> select.add(measure.function().name() + "(" + in + ") AS " + name);
        case AVG -> {
          select.add("CAST(NULL AS DOUBLE) AS " + name);
          select.add(
              "SUM(CAST(" + in + " AS DOUBLE)) AS " + quote.apply(ViewQueries.avgSum(measure)));
          select.add("COUNT(" + in + ") AS " + quote.apply(ViewQueries.avgCount(measure)));
        }
      }
    }
    return "SELECT " + String.join(", ", select) + " FROM " + speedRows + groupBy(view);
  }

  /**
   * The served view: the batch part and the speed part (either may be null when absent) merged. Its
   * columns are the view's: keys and measures, or the append view's {@code columns}.
   */
  public String merged(ViewNode view, List<String> columns, String batch, String speed) {
    List<String> parts = new ArrayList<>();
    List<String> partColumns = partColumns(view, columns);
    for (String relation : new String[] {batch, speed}) {
      if (relation != null) {
        parts.add("SELECT " + list(partColumns) + " FROM " + relation);
      }
    }
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("view " + view.name() + " has neither part");
    }
    String union = String.join(" UNION ALL ", parts);
    if (view.kind() == ViewNode.Kind.APPEND) {
      return union;
    }
    List<String> select = new ArrayList<>();
    view.keys().forEach(k -> select.add(quote.apply(k)));
    for (ViewNode.Measure measure : view.measures()) {
      String name = quote.apply(measure.name());
      switch (measure.function()) {
        case COUNT, SUM -> select.add("SUM(" + name + ") AS " + name);
        case MIN, MAX -> select.add(measure.function().name() + "(" + name + ") AS " + name);
        case AVG -> {
          String sum = quote.apply(ViewQueries.avgSum(measure));
          String count = quote.apply(ViewQueries.avgCount(measure));
          select.add(
              "CASE WHEN SUM("
                  + count
                  + ") = 0 THEN NULL ELSE SUM("
                  + sum
                  + ") / SUM("
                  + count
                  + ") END AS "
                  + name);
        }
      }
    }
    return "SELECT " + String.join(", ", select) + " FROM (" + union + ") parts" + groupBy(view);
  }

  /**
   * One part of a view in the batch view's shape: {@code relation} is the batch table or the speed
   * part; {@code empty} gives none of its rows (a part that does not exist yet).
   */
  public String part(ViewNode view, List<String> columns, String relation, boolean empty) {
    return "SELECT "
        + list(partColumns(view, columns))
        + " FROM "
        + relation
        + (empty ? " WHERE 1 = 0" : "");
  }

  /** The columns a user sees in the served view. */
  public static List<String> servedColumns(ViewNode view, List<String> appendColumns) {
    if (view.kind() == ViewNode.Kind.APPEND) {
      return appendColumns;
    }
    List<String> columns = new ArrayList<>(view.keys());
    view.measures().forEach(m -> columns.add(m.name()));
    return columns;
  }

  private static List<String> partColumns(ViewNode view, List<String> appendColumns) {
    if (view.kind() == ViewNode.Kind.APPEND) {
      return appendColumns;
    }
    List<String> columns = new ArrayList<>(view.keys());
    for (ViewNode.Measure measure : view.measures()) {
      columns.add(measure.name());
      if (measure.function() == ViewNode.Function.AVG) {
        columns.add(ViewQueries.avgSum(measure));
        columns.add(ViewQueries.avgCount(measure));
      }
    }
    return columns;
  }

  private String groupBy(ViewNode view) {
    return view.keys().isEmpty() ? "" : " GROUP BY " + list(view.keys());
  }

  private String list(List<String> columns) {
    return String.join(", ", columns.stream().map(quote).toList());
  }
}

package io.lambdaflow.views;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.engine.Engine;
import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.spi.MetadataColumns;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
   * columns are the view's: keys and measures, or the append view's {@code columns}. For an
   * aggregate view, batch rows whose key the speed part lacks are served as they are, so a query
   * over the whole view does not aggregate the whole batch view again.
   */
  public String merged(ViewNode view, List<String> columns, String batch, String speed) {
    return merged(view, columns, batch, speed, false);
  }

  /**
   * The same rows as {@link #merged}, as one aggregation of both parts: for lookups by key, whose
   * filter the engine pushes below the aggregation into both parts.
   */
  public String mergedByKey(ViewNode view, List<String> columns, String batch, String speed) {
    return merged(view, columns, batch, speed, true);
  }

  private String merged(
      ViewNode view, List<String> columns, String batch, String speed, boolean byKey) {
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
    if (batch != null && speed == null && !byKey) {
      // One batch view row per key: served as it is.
      return "SELECT " + String.join(", ", batchOnly(view)) + " FROM " + batch;
    }
    if (batch != null && speed != null && !byKey) {
      // The batch view holds one row per key: only the keys the speed part also has are combined;
      // every other batch row is served as it is, without aggregating the whole batch view again.
      String sameKey = sameKey(view, speed, "b");
      return "SELECT "
          + String.join(", ", batchOnly(view))
          + " FROM "
          + batch
          + " b WHERE NOT "
          + sameKey
          + " UNION ALL "
          + combined(
              view,
              "SELECT "
                  + list(partColumns)
                  + " FROM "
                  + batch
                  + " b WHERE "
                  + sameKey
                  + " UNION ALL SELECT "
                  + list(partColumns)
                  + " FROM "
                  + speed);
    }
    return combined(view, union);
  }

  /**
   * The statements that bring {@code table}, an aggregate view as served and kept as a table (built
   * by {@link #merged}), from speed part {@code before} to speed part {@code after} over the same
   * batch view: the rows of every key whose partial row differs between the parts (or that only one
   * has) are deleted and merged again from the batch view and {@code after}. The table and the
   * batch view are each scanned once for those keys, and only their rows aggregated. Empty when the
   * view has no keys (its one row is built again instead).
   */
  public Optional<Engine.Update> mergedUpdate(
      ViewNode view,
      List<String> columns,
      String table,
      String batch,
      String before,
      String after) {
    if (view.kind() != ViewNode.Kind.AGGREGATE || view.keys().isEmpty()) {
      return Optional.empty();
    }
    String keys = list(view.keys());
    String rows = list(partColumns(view, columns));
    String touched =
        "(SELECT "
            + keys
            + " FROM (SELECT "
            + rows
            + " FROM "
            + before
            + " EXCEPT SELECT "
            + rows
            + " FROM "
            + after
            + ") gone UNION SELECT "
            + keys
            + " FROM (SELECT "
            + rows
            + " FROM "
            + after
            + " EXCEPT SELECT "
            + rows
            + " FROM "
            + before
            + ") came)";
    String again =
        "SELECT "
            + rows
            + " FROM "
            + batch
            + " b WHERE "
            + sameKey(view, touched, "b")
            + " UNION ALL SELECT "
            + rows
            + " FROM "
            + after
            + " s WHERE "
            + sameKey(view, touched, "s");
    return Optional.of(
        new Engine.Update(
            "DELETE FROM " + table + " WHERE " + sameKey(view, touched, table),
            "INSERT INTO " + table + " " + combined(view, again) + " ORDER BY " + keys));
  }

  /**
   * An EXISTS condition: relation {@code keys} holds a row whose keys equal (nulls too) those of
   * {@code row}.
   */
  private String sameKey(ViewNode view, String keys, String row) {
    if (view.keys().isEmpty()) {
      return "EXISTS (SELECT 1 FROM " + keys + " t)"; // the one row of a view without keys
    }
    return "EXISTS (SELECT 1 FROM "
        + keys
        + " t WHERE "
        + String.join(
            " AND ",
            view.keys().stream()
                .map(
                    k ->
                        "t."
                            + quote.apply(k)
                            + " IS NOT DISTINCT FROM "
                            + row
                            + "."
                            + quote.apply(k))
                .toList())
        + ")";
  }

  /** A batch view row as served, alone: each measure as its merge of that single row gives it. */
  private List<String> batchOnly(ViewNode view) {
    List<String> select = new ArrayList<>();
    view.keys().forEach(k -> select.add(quote.apply(k)));
    for (ViewNode.Measure measure : view.measures()) {
      String name = quote.apply(measure.name());
      if (measure.function() == ViewNode.Function.AVG) {
        select.add(average(measure, c -> c) + " AS " + name);
      } else {
        select.add(name);
      }
    }
    return select;
  }

  /** The rows of {@code union}, parts of an aggregate view, combined per key. */
  private String combined(ViewNode view, String union) {
    List<String> select = new ArrayList<>();
    view.keys().forEach(k -> select.add(quote.apply(k)));
    for (ViewNode.Measure measure : view.measures()) {
      String name = quote.apply(measure.name());
      switch (measure.function()) {
        case COUNT, SUM -> select.add("SUM(" + name + ") AS " + name);
        case MIN, MAX -> select.add(measure.function().name() + "(" + name + ") AS " + name);
        case AVG -> select.add(average(measure, c -> "SUM(" + c + ")") + " AS " + name);
      }
    }
    return "SELECT " + String.join(", ", select) + " FROM (" + union + ") parts" + groupBy(view);
  }

  /** An average from its sum and count columns, each through {@code combine}; null for none. */
  private String average(ViewNode.Measure measure, UnaryOperator<String> combine) {
    String sum = combine.apply(quote.apply(ViewQueries.avgSum(measure)));
    String count = combine.apply(quote.apply(ViewQueries.avgCount(measure)));
    return "CASE WHEN " + count + " = 0 THEN NULL ELSE " + sum + " / " + count + " END";
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

package io.lambdaflow.views;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.spi.MetadataColumns;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * How a view turns its input into rows and a batch view, in Spark. The same rows feed the batch
 * view (over the master dataset) and the speed view (per micro-batch), so both layers agree on what
 * a view holds.
 */
public final class ViewQueries {
  /** The framework's position columns every view row keeps. */
  public static final List<String> POSITIONS =
      List.of(MetadataColumns.SOURCE, MetadataColumns.PARTITION, MetadataColumns.OFFSET);

  private ViewQueries() {}

  /**
   * The view's rows: its input filtered and projected, with each row's source position. Aggregate
   * views keep their group-by columns and each measure's input as {@link #measureInput}.
   */
  public static Dataset<Row> rows(ViewNode view, Dataset<Row> input) {
    List<String> columns = Arrays.asList(input.columns());
    for (String position : POSITIONS) {
      if (!columns.contains(position)) {
        throw new PipelineRunException(
            "view '"
                + view.name()
                + "' reads '"
                + view.input()
                + "', which has lost the record positions views need ("
                + String.join(", ", POSITIONS)
                + "); a sql transform before a view must keep them (SELECT *, ... or name"
                + " them), and aggregations belong in the view, not before it",
            null);
      }
    }
    try {
      Dataset<Row> data = input;
      if (view.filter().isPresent()) {
        data = data.where(expr(view.filter().get()));
      }
      List<Column> selected = new ArrayList<>();
      if (view.kind() == ViewNode.Kind.APPEND) {
        if (view.columns().isEmpty()) {
          columns.stream()
              .filter(c -> !MetadataColumns.isMetadata(c))
              .forEach(c -> selected.add(col("`" + c + "`")));
        } else {
          view.columns().forEach(c -> selected.add(expr(c)));
        }
      } else {
        view.keys().forEach(k -> selected.add(col("`" + k + "`")));
        for (ViewNode.Measure measure : view.measures()) {
          if (!measure.expression().isEmpty()) {
            selected.add(expr(measure.expression()).alias(measureInput(measure)));
          }
        }
      }
      POSITIONS.forEach(p -> selected.add(col(p)));
      return data.select(selected.toArray(Column[]::new));
    } catch (Exception e) { // AnalysisException: an unknown column, say
      throw new PipelineRunException(
          "view '" + view.name() + "' cannot be computed: " + PipelineRunException.firstLine(e), e);
    }
  }

  /** The column holding a measure's input in a view's rows. */
  public static String measureInput(ViewNode.Measure measure) {
    return MetadataColumns.PREFIX + "in_" + measure.name();
  }

  /** For an {@code avg} measure, the batch view columns carrying its sum and count. */
  public static String avgSum(ViewNode.Measure measure) {
    return MetadataColumns.PREFIX + measure.name() + "_sum";
  }

  public static String avgCount(ViewNode.Measure measure) {
    return MetadataColumns.PREFIX + measure.name() + "_count";
  }

  /**
   * The batch view over {@code rows}: append views are the rows without positions; aggregate views
   * group by their keys, with each measure's value and, for averages, the sum and count that merge.
   */
  public static Dataset<Row> batchView(ViewNode view, Dataset<Row> rows) {
    if (view.kind() == ViewNode.Kind.APPEND) {
      return rows.drop(POSITIONS.toArray(String[]::new));
    }
    List<Column> aggregates = new ArrayList<>();
    for (ViewNode.Measure measure : view.measures()) {
      Column in = col(measureInput(measure));
      switch (measure.function()) {
        case COUNT ->
            aggregates.add(
                (measure.expression().isEmpty() ? count(lit(1)) : count(in)).alias(measure.name()));
        case SUM -> aggregates.add(functions.sum(in).alias(measure.name()));
        case MIN -> aggregates.add(functions.min(in).alias(measure.name()));
        case MAX -> aggregates.add(functions.max(in).alias(measure.name()));
        case AVG -> {
          aggregates.add(functions.avg(in).alias(measure.name()));
          aggregates.add(functions.sum(in.cast("double")).alias(avgSum(measure)));
          aggregates.add(count(in).alias(avgCount(measure)));
        }
      }
    }
    Column first = aggregates.get(0);
    Column[] rest = aggregates.subList(1, aggregates.size()).toArray(Column[]::new);
    if (view.keys().isEmpty()) {
      return rows.agg(first, rest);
    }
    return rows.groupBy(view.keys().stream().map(k -> col("`" + k + "`")).toArray(Column[]::new))
        .agg(first, rest);
  }
}

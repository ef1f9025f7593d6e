package io.lambdaflow.plugins.console;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.commons.lang3.StringUtils;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.ToPrettyString;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.execution.SQLExecution;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.util.SchemaUtils;
import org.apache.spark.util.Utils;
import scala.Function0;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * The text of {@code Dataset.show} (horizontal form), made from Spark's internal rows. Each value
 * is turned into text by Spark itself ({@code ToPrettyString}, as {@code show} does), but the rows
 * are not converted into {@link Row}s on the driver: the first such conversion in a JVM initialises
 * Scala's runtime reflection, about half a second of a small batch run spent on a console sink.
 */
final class ConsoleTable {
  private static final int MINIMUM_WIDTH = 3;

  private ConsoleTable() {}

  /**
   * @param rows how many rows to print at most
   * @param truncate cut values longer than this to it (and align right), or 0: not cut, aligned
   *     left
   * @param action the SQL execution's name, as Spark's UI and listeners see it
   */
  static String show(Dataset<Row> data, int rows, int truncate, String action) {
    int limit = Math.min(Math.max(rows, 0), Integer.MAX_VALUE - 16); // as Dataset.show
    List<Column> pretty = new ArrayList<>();
    for (Attribute column :
        JavaConverters.seqAsJavaList(data.queryExecution().analyzed().output())) {
      pretty.add(new Column(new ToPrettyString(column, Option.empty())));
    }
    QueryExecution execution =
        data.select(JavaConverters.asScalaBuffer(pretty).toSeq()).queryExecution();
    // An SQL execution of its own, as Dataset.show's, so that metrics observed upstream are
    // reported; and no limit in the plan: a limit would stop reading once it had the rows shown,
    // and a count observed upstream (the sink's records out) would then count only those.
    Function0<InternalRow[]> collect = () -> firstRows(execution.executedPlan(), limit + 1);
    InternalRow[] taken = SQLExecution.withNewExecutionId(execution, Option.apply(action), collect);

    String[] names = data.schema().fieldNames();
    List<String[]> cells = new ArrayList<>();
    String[] header = new String[names.length];
    for (int i = 0; i < names.length; i++) {
      header[i] = SchemaUtils.escapeMetaCharacters(names[i]);
    }
    cells.add(header);
    for (int r = 0; r < Math.min(taken.length, limit); r++) {
      String[] line = new String[names.length];
      for (int i = 0; i < names.length; i++) {
        line[i] =
            cut(SchemaUtils.escapeMetaCharacters(taken[r].getUTF8String(i).toString()), truncate);
      }
      cells.add(line);
    }
    return format(cells, truncate, taken.length > limit, limit);
  }

  /**
   * The first {@code keep} rows of {@code plan}'s output in partition order (a sorted result's
   * order), every row of every partition read.
   */
  private static InternalRow[] firstRows(SparkPlan plan, int keep) {
    List<InternalRow> first = new ArrayList<>();
    for (List<InternalRow> partition :
        plan.execute().toJavaRDD().mapPartitions(new First(keep)).collect()) {
      for (InternalRow row : partition) {
        if (first.size() < keep) {
          first.add(row);
        }
      }
    }
    return first.toArray(InternalRow[]::new);
  }

  /** A partition's first rows, read to its end. */
  private record First(int keep)
      implements FlatMapFunction<Iterator<InternalRow>, List<InternalRow>> {
    @Override
    public Iterator<List<InternalRow>> call(Iterator<InternalRow> rows) {
      List<InternalRow> first = new ArrayList<>();
      while (rows.hasNext()) {
        InternalRow row = rows.next();
        if (first.size() < keep) {
          first.add(row.copy()); // Spark reuses the row object
        }
      }
      return List.<List<InternalRow>>of(first).iterator();
    }
  }

  private static String cut(String value, int truncate) {
    if (truncate <= 0 || value.length() <= truncate) {
      return value;
    }
    // No ellipsis for widths under four characters, as Spark does.
    return truncate < 4 ? value.substring(0, truncate) : value.substring(0, truncate - 3) + "...";
  }

  private static String format(List<String[]> cells, int truncate, boolean more, int limit) {
    int columns = cells.get(0).length;
    int[] widths = new int[columns];
    java.util.Arrays.fill(widths, MINIMUM_WIDTH);
    for (String[] line : cells) {
      for (int i = 0; i < columns; i++) {
        widths[i] = Math.max(widths[i], Utils.stringHalfWidth(line[i]));
      }
    }
    // Lines as Spark makes them: an opening mark, the cells joined by the mark, a closing mark (so
    // a dataset without columns prints "++" and "||").
    List<String> dashes = new ArrayList<>();
    for (int width : widths) {
      dashes.add("-".repeat(width));
    }
    String separator = "+" + String.join("+", dashes) + "+\n";
    StringBuilder out = new StringBuilder(separator);
    for (int r = 0; r < cells.size(); r++) {
      String[] line = cells.get(r);
      List<String> padded = new ArrayList<>();
      for (int i = 0; i < columns; i++) {
        // Wide characters (CJK) take two places: padded by their printed width, not their length.
        int size = widths[i] - Utils.stringHalfWidth(line[i]) + line[i].length();
        padded.add(
            truncate > 0
                ? StringUtils.leftPad(line[i], size)
                : StringUtils.rightPad(line[i], size));
      }
      out.append('|').append(String.join("|", padded)).append("|\n");
      if (r == 0) {
        out.append(separator);
      }
    }
    out.append(separator);
    if (more) {
      out.append("only showing top ").append(limit).append(limit == 1 ? " row\n" : " rows\n");
    }
    return out.toString();
  }
}

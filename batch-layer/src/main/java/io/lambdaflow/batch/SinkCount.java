package io.lambdaflow.batch;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.Sort;
import scala.collection.JavaConverters;

/** The count of the rows a sink is given, observed as a metric of the sink's own Spark action. */
final class SinkCount {
  private SinkCount() {}

  /**
   * {@code data} with its rows counted under {@code metric} ({@code records}). Over a sorted result
   * (a global sort under nothing but projections, as a SQL transform's {@code ORDER BY} leaves it)
   * the count is taken beneath the sort: the same rows, since neither a sort nor a projection adds
   * or drops one, but a sink that takes only the first rows (the console) then lets Spark take them
   * in order in one pass over the sort's input, instead of sampling, range-partitioning and sorting
   * all of it first.
   */
  static Dataset<Row> observe(Dataset<Row> data, String metric) {
    LogicalPlan plan = data.logicalPlan();
    Deque<Project> above = new ArrayDeque<>();
    while (plan instanceof Project project) {
      above.push(project);
      plan = project.child();
    }
    if (!(plan instanceof Sort sort) || !sort.global()) {
      return counted(data, metric);
    }
    LogicalPlan counted =
        counted(Dataset.ofRows(data.sparkSession(), sort.child()), metric).logicalPlan();
    LogicalPlan rebuilt = sort.withNewChildren(seq(counted));
    while (!above.isEmpty()) {
      rebuilt = above.pop().withNewChildren(seq(rebuilt));
    }
    return Dataset.ofRows(data.sparkSession(), rebuilt);
  }

  private static Dataset<Row> counted(Dataset<Row> data, String metric) {
    return data.observe(metric, count(lit(1)).alias("records"));
  }

  private static scala.collection.immutable.Seq<LogicalPlan> seq(LogicalPlan child) {
    return JavaConverters.asScalaBuffer(List.of(child)).toList();
  }
}

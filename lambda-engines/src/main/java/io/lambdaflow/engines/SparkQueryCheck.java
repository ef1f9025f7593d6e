package io.lambdaflow.engines;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTableValuedFunction;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.ParsedStatement;
import org.apache.spark.sql.catalyst.plans.logical.UnresolvedWith;
import scala.collection.JavaConverters;

/**
 * Decides on untrusted SQL by the plan Spark's own parser made of it (one statement; the parser
 * refuses several): no command or statement that Spark would execute eagerly (SET, CACHE, ADD JAR,
 * INSERT, CREATE, ...), relations only among the served views and the query's own CTEs, no file
 * relations ({@code parquet.`/path`}), no table function but {@code range}, and no function that
 * calls Java ({@code reflect}, {@code java_method}, {@code try_reflect}).
 */
final class SparkQueryCheck {
  private static final Set<String> JAVA_CALLS = Set.of("reflect", "java_method", "try_reflect");
  private static final Set<String> GENERATORS = Set.of("range");

  private SparkQueryCheck() {}

  private record Scoped(LogicalPlan plan, Set<String> names) {}

  /**
   * @throws IllegalArgumentException saying why the query is refused
   */
  static void check(LogicalPlan parsed, Set<String> relations) {
    Set<String> views = new HashSet<>();
    relations.forEach(r -> views.add(r.toLowerCase(Locale.ROOT)));
    Deque<Scoped> pending = new ArrayDeque<>();
    pending.push(new Scoped(parsed, views));
    while (!pending.isEmpty()) {
      Scoped scoped = pending.pop();
      LogicalPlan node = scoped.plan();
      Set<String> names = scoped.names();
      if (node instanceof Command || node instanceof ParsedStatement) {
        throw new IllegalArgumentException(
            "only read-only queries are served (SELECT ..., WITH ... SELECT ...); refused a "
                + node.nodeName());
      }
      if (node instanceof UnresolvedWith with) {
        names = new HashSet<>(names);
        for (var cte : JavaConverters.seqAsJavaList(with.cteRelations())) {
          names.add(cte._1().toLowerCase(Locale.ROOT));
          pending.push(new Scoped(cte._2(), names));
        }
      } else if (node instanceof UnresolvedRelation relation) {
        List<String> parts = JavaConverters.seqAsJavaList(relation.multipartIdentifier());
        if (parts.size() != 1 || !names.contains(parts.get(0).toLowerCase(Locale.ROOT))) {
          throw new IllegalArgumentException(
              "no view named '"
                  + String.join(".", parts)
                  + "': queries read only the served views "
                  + new TreeSet<>(relations));
        }
      } else if (node instanceof UnresolvedTableValuedFunction function) {
        List<String> parts = JavaConverters.seqAsJavaList(function.name());
        if (parts.size() != 1 || !GENERATORS.contains(parts.get(0).toLowerCase(Locale.ROOT))) {
          throw new IllegalArgumentException(
              "table function '"
                  + String.join(".", parts)
                  + "' is not served: queries read only the served views "
                  + new TreeSet<>(relations)
                  + " (and range)");
        }
      }
      for (Expression expression : JavaConverters.seqAsJavaList(node.expressions())) {
        checkExpression(expression, names, pending);
      }
      for (LogicalPlan child : JavaConverters.seqAsJavaList(node.children())) {
        pending.push(new Scoped(child, names));
      }
    }
  }

  private static void checkExpression(Expression root, Set<String> names, Deque<Scoped> plans) {
    Deque<Expression> pending = new ArrayDeque<>();
    pending.push(root);
    while (!pending.isEmpty()) {
      Expression expression = pending.pop();
      if (expression instanceof UnresolvedFunction function) {
        List<String> parts = JavaConverters.seqAsJavaList(function.nameParts());
        String name = parts.get(parts.size() - 1).toLowerCase(Locale.ROOT);
        if (JAVA_CALLS.contains(name)) {
          throw new IllegalArgumentException(
              "function '" + name + "' calls Java methods and is not served");
        }
      }
      if (expression instanceof SubqueryExpression subquery) {
        plans.push(new Scoped(subquery.plan(), names));
      }
      JavaConverters.seqAsJavaList(expression.children()).forEach(pending::push);
    }
  }
}

package io.lambdaflow.plugins.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.testkit.TestSpark;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.util.QueryExecutionListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The console sink's table is Dataset.show's, character for character. */
class ConsoleTableTest {
  private static final String VALUES =
      "SELECT * FROM VALUES"
          + " (1, 'short', CAST(NULL AS STRING), 1.5D, DATE'2026-12-05',"
          + "  TIMESTAMP'2026-12-05 01:02:03.456', array(1, 2), map('k', 'v'),"
          + "  named_struct('a', 1, 'b', 'x'), CAST('bytes' AS BINARY), 12.30BD, true),"
          + " (-2, 'a string much longer than twenty characters', 'tab\\there\\nnewline', -0.0D,"
          + "  DATE'1970-01-01', TIMESTAMP'1999-12-31 23:59:59', array(), map(),"
          + "  CAST(NULL AS STRUCT<a: INT, b: STRING>), CAST('' AS BINARY), -0.01BD, false),"
          + " (3, '漢字とかな', 'ｗｉｄｅ', CAST('NaN' AS DOUBLE), NULL, NULL, NULL, NULL,"
          + "  named_struct('a', NULL, 'b', NULL), NULL, NULL, NULL)"
          + " AS t(id, text, other, d, day, ts, arr, m, s, bin, dec, flag)";

  static List<Object[]> cases() {
    return List.of(
        new Object[] {VALUES + " ORDER BY id", 20, 0},
        new Object[] {VALUES + " ORDER BY id", 20, 20},
        new Object[] {VALUES + " ORDER BY id", 2, 0},
        new Object[] {VALUES + " ORDER BY id", 1, 20},
        new Object[] {VALUES + " ORDER BY id", 0, 0},
        new Object[] {VALUES + " ORDER BY id", 3, 3},
        new Object[] {VALUES + " ORDER BY id", 3, 5},
        new Object[] {
          "SELECT id, id % 7 AS `a|b`, 'x' AS `long column name` FROM range(100)", 50, 0
        },
        new Object[] {"SELECT 1 AS a WHERE false", 20, 20},
        new Object[] {
          "SELECT event, count(*) AS n FROM VALUES ('b'), ('a'), ('b') AS t(event) "
              + "GROUP BY event ORDER BY event",
          50,
          0
        });
  }

  @ParameterizedTest
  @MethodSource("cases")
  void printsWhatShowPrints(String query, int rows, int truncate) {
    Dataset<Row> data = TestSpark.session().sql(query);
    assertThat(ConsoleTable.show(data, rows, truncate, "test"))
        .isEqualTo(data.showString(rows, truncate, false));
  }

  @Test
  void printsWhatShowPrintsForNoColumns() {
    Dataset<Row> data = TestSpark.session().range(3).select();
    assertThat(ConsoleTable.show(data, 2, 0, "test")).isEqualTo(data.showString(2, 0, false));
  }

  @Test
  void runsAsAnSqlExecutionThatListenersSee() {
    SparkSession session = TestSpark.session();
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    QueryExecutionListener listener =
        new QueryExecutionListener() {
          @Override
          public void onSuccess(String name, QueryExecution execution, long durationNs) {
            seen.add(name);
          }

          @Override
          public void onFailure(String name, QueryExecution execution, Exception exception) {}
        };
    session.listenerManager().register(listener);
    try {
      ConsoleTable.show(session.sql("SELECT 1 AS a"), 5, 0, "console counts");
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> seen.contains("console counts"));
    } finally {
      session.listenerManager().unregister(listener);
    }
  }
}

package io.lambdaflow.batch;

import static org.awaitility.Awaitility.await;

import io.lambdaflow.testkit.TestSpark;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class RunProgressTest {
  @Test
  void aLongRunReportsStagesAndTasksDoneThenStopsReporting() throws Exception {
    SparkSession spark = TestSpark.session();
    // Events of earlier tests' jobs still on Spark's listener bus would count too.
    spark.sparkContext().listenerBus().waitUntilEmpty();
    List<String> lines = new CopyOnWriteArrayList<>();
    try (RunProgress progress = new RunProgress(spark, "r1", Duration.ofMillis(200), lines::add)) {
      spark.range(0, 1000, 1, 3).count(); // 3 tasks, then 1 to add them up
      await("a progress line with the job done")
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  lines.stream()
                      .anyMatch(
                          l ->
                              l.matches(
                                  "batch run r1: \\d+ s, 2 stage\\(s\\) done, 4 of 4 task\\(s\\)"
                                      + " done")));
    }
    int reported = lines.size();
    spark.range(10).count();
    await("no line once closed")
        .during(Duration.ofMillis(600))
        .atMost(Duration.ofSeconds(2))
        .until(() -> lines.size() == reported);
  }
}

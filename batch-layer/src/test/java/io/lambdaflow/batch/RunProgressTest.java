package io.lambdaflow.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lambdaflow.testkit.TestSpark;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class RunProgressTest {
  @Test
  void aLongRunReportsStagesAndTasksDoneThenStopsReporting() {
    List<String> lines = new CopyOnWriteArrayList<>();
    try (RunProgress progress =
        new RunProgress(TestSpark.session(), "r1", Duration.ofMillis(200), lines::add)) {
      TestSpark.session().range(0, 1000, 1, 3).count(); // 3 tasks, then 1 to add them up
      await("a progress line after the job")
          .atMost(Duration.ofSeconds(10))
          .until(() -> lines.stream().anyMatch(l -> l.contains("of 4 task(s) done")));
    }
    assertThat(lines.get(lines.size() - 1))
        .matches("batch run r1: \\d+ s, 2 stage\\(s\\) done, 4 of 4 task\\(s\\) done");
    int reported = lines.size();
    TestSpark.session().range(10).count();
    await("no line once closed")
        .during(Duration.ofMillis(600))
        .atMost(Duration.ofSeconds(2))
        .until(() -> lines.size() == reported);
  }
}

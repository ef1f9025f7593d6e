package io.lambdaflow.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.testkit.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny run of the serving benchmark, so it cannot rot; its timings mean nothing. */
class ServingBenchmarkTest {
  @TempDir Path dir;

  @Test
  void tinyRunMeasuresEveryOperationAndWritesResults() throws Exception {
    ServingBenchmark.Result result =
        ServingBenchmark.run(
            TestSpark.session(),
            new ServingBenchmark.Settings(2_000, 200, 30, 3, dir.resolve("work")));
    assertThat(result.latencies())
        .extracting(Latencies::name)
        .containsExactly(
            "key lookup, duckdb",
            "aggregate query, duckdb",
            "key lookup, duckdb via HTTP",
            "key lookup, spark",
            "aggregate query, spark");
    assertThat(result.latencies()).allSatisfy(l -> assertThat(l.p99()).isPositive());
    String table = Benchmarks.report(result);
    assertThat(table)
        .contains("2,000 batch rows + 200 speed rows")
        .contains("| key lookup, duckdb | 30 |");
    Benchmarks.write(dir.resolve("results"), result, table);
    assertThat(Files.readString(dir.resolve("results/serving.json"))).contains("\"p99Millis\"");
  }
}

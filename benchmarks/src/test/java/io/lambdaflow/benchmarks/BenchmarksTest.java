package io.lambdaflow.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.testkit.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny run of every benchmark, so they cannot rot: each measures what it should and the report
 * and files are written. Its timings mean nothing.
 */
class BenchmarksTest {
  @TempDir Path dir;

  @Test
  void tinyRunsOfEveryBenchmarkMeasureAndReport() throws Exception {
    Benchmarks.Report report =
        Benchmarks.run(
            TestSpark.session(),
            "all",
            Map.ofEntries(
                Map.entry("--events", "3000"),
                Map.entry("--runs", "1"),
                Map.entry("--rates", "200"),
                Map.entry("--seconds", "3"),
                Map.entry("--batch-rows", "2000"),
                Map.entry("--speed-rows", "200"),
                Map.entry("--lookups", "30"),
                Map.entry("--spark-lookups", "3"),
                Map.entry("--jdbc-rows", "3000"),
                Map.entry("--jdbc-runs", "2"),
                Map.entry("--start-runs", "0")),
            dir.resolve("work"));

    assertThat(report.batch())
        .extracting(BatchBenchmark.Result::source)
        .containsExactly("files", "kafka");
    assertThat(report.batch()).allSatisfy(r -> assertThat(r.ratios()).hasSize(1));
    assertThat(report.batch()).allSatisfy(r -> assertThat(r.parseOnlyMedian()).isPositive());
    assertThat(report.batch()).allSatisfy(r -> assertThat(r.decodeOnlyMedian()).isPositive());
    assertThat(report.speed())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.produced()).isEqualTo(600);
              assertThat(r.probesSeen()).isEqualTo(r.probesSent()).isEqualTo(6);
              assertThat(r.microBatches()).isNotEmpty();
              assertThat(r.medianPhases())
                  .containsKeys("plan", "decode", "views", "offset and commit logs");
            });
    assertThat(report.serving().latencies())
        .extracting(Latencies::name)
        .containsExactly(
            "key lookup, duckdb",
            "aggregate query, duckdb",
            "key lookup, duckdb via HTTP",
            "key lookup, spark",
            "aggregate query, spark",
            "refresh after a micro-batch of 20 more speed rows (speed part 200 to 600), duckdb",
            "key lookup, duckdb, during the refreshes",
            "aggregate query, duckdb, after the refreshes",
            "key lookup, duckdb, after the refreshes");
    assertThat(report.serving().latencies().get(5).count()).isEqualTo(ServingBenchmark.REFRESHES);

    assertThat(report.jdbc().ours()).hasSize(2).allSatisfy(s -> assertThat(s).isPositive());
    assertThat(report.jdbc().spark()).hasSize(2);
    assertThat(report.jdbc().upsert()).hasSize(2);

    String markdown = MarkdownReport.of(report);
    assertThat(markdown)
        .contains("## Batch")
        .contains("| files |")
        .contains("| kafka |")
        .contains("## Speed")
        .contains("| 200 | 600 | 6/6 |")
        .contains("latency growth ms/s")
        .contains("Where a micro-batch's time went")
        .contains("decoder / from_json")
        .contains("2,000 batch rows + 200 speed rows")
        .contains("ms after the refreshes)")
        .contains("Targets:")
        .contains("## JDBC: rows into PostgreSQL")
        .contains(
            "| jdbc sink (staged by binary COPY, one merge) | upsert (every row already there) |");
    Benchmarks.write(dir.resolve("results"), report, markdown);
    assertThat(Files.readString(dir.resolve("results/results.json"))).contains("\"p99Millis\"");
    assertThat(Files.size(dir.resolve("results/serving-latency.png"))).isPositive();
    assertThat(Files.size(dir.resolve("results/speed-latency.png"))).isPositive();
    assertThat(Files.size(dir.resolve("results/speed-phases.png"))).isPositive();
  }
}

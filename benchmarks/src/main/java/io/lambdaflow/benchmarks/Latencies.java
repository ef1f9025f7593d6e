package io.lambdaflow.benchmarks;

import java.util.Arrays;

/**
 * Percentiles of one measured operation, in milliseconds.
 *
 * @param name what was measured
 * @param count how many calls
 */
public record Latencies(
    String name, int count, double p50, double p95, double p99, double max, double[] samples) {

  static Latencies of(String name, double[] millis) {
    double[] sorted = millis.clone();
    Arrays.sort(sorted);
    return new Latencies(
        name,
        sorted.length,
        percentile(sorted, 50),
        percentile(sorted, 95),
        percentile(sorted, 99),
        sorted[sorted.length - 1],
        sorted);
  }

  private static double percentile(double[] sorted, double p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}

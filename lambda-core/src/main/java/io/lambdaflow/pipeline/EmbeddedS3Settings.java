package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Whether the launcher starts an S3 API server (S3Proxy, a child JVM) on loopback before running
 * the pipeline, for demos and laptops; it stops, and its objects go, when the run ends. Point
 * Spark's S3A connector at it in {@code spark.conf} (endpoint {@code http://127.0.0.1:PORT},
 * path-style access, these keys).
 *
 * @param enabled start one
 * @param port its loopback port
 * @param buckets buckets to create at start
 * @param accessKey the access key it accepts
 * @param secretKey the secret key it accepts (never printed)
 */
public record EmbeddedS3Settings(
    boolean enabled, int port, List<String> buckets, String accessKey, String secretKey) {
  public EmbeddedS3Settings {
    buckets = List.copyOf(buckets);
    requireNonNull(accessKey, "accessKey is null");
    requireNonNull(secretKey, "secretKey is null");
  }

  @Override
  public String toString() {
    return "EmbeddedS3Settings[enabled="
        + enabled
        + ", port="
        + port
        + ", buckets="
        + buckets
        + ", accessKey="
        + accessKey
        + ", secretKey=<redacted>]";
  }
}

package io.lambdaflow.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The S3 API server: on loopback only, its buckets made through the API, refuses unsigned writes,
 * leaves nothing behind.
 */
class EmbeddedS3Test {
  @Test
  void refusesUnsignedWritesAndRemovesItsObjectsWhenClosed() throws Exception {
    Path home;
    try (EmbeddedS3 s3 = EmbeddedS3.start(0, List.of("lake"), "lambda", "a-secret-key")) {
      home = s3.home();
      assertThat(home).isDirectory();
      assertThat(get(s3, "/lake").body()).contains("<Name>lake</Name>");
      assertThat(get(s3, "/other").statusCode()).isEqualTo(404);
      s3.createBucket("lake"); // there already: kept
      s3.createBucket("other");
      assertThat(get(s3, "/other").statusCode()).isEqualTo(200);
      HttpResponse<String> unsigned =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(s3.endpoint() + "/lake/x.txt"))
                      .PUT(HttpRequest.BodyPublishers.ofString("hello"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(unsigned.statusCode()).isEqualTo(403);
      assertThat(unsigned.body()).contains("<Code>AccessDenied</Code>");
      assertThat(
              HttpClient.newHttpClient()
                  .send(
                      HttpRequest.newBuilder(URI.create(s3.endpoint() + "/lake")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .as("an unsigned listing")
          .isEqualTo(403);
      assertThat(get(s3, "/lake").body()).doesNotContain("<Key>");
      assertThat(s3.hadoopOptions())
          .containsEntry("fs.s3a.endpoint", "http://127.0.0.1:" + s3.port())
          .containsEntry("fs.s3a.path.style.access", "true")
          .containsEntry("fs.s3a.access.key", "lambda");
      assertThat(ProcessHandle.current().children().count()).isPositive();
    }
    assertThat(home).doesNotExist();
  }

  /** A signed GET (listing a bucket needs a signature too). */
  private static HttpResponse<String> get(EmbeddedS3 s3, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            S3Signing.signed("GET", s3.endpoint(), path, s3.accessKey(), s3.secretKey()).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aTakenPortIsAClearError() throws Exception {
    try (EmbeddedS3 first = EmbeddedS3.start(0, List.of(), "k", "s")) {
      assertThatThrownBy(() -> EmbeddedS3.start(first.port(), List.of(), "k", "s"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith(
              "cannot start the embedded S3 server on 127.0.0.1:"
                  + first.port()
                  + ": the port is taken (");
    }
  }
}

package io.lambdaflow.http;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One answer.
 *
 * @param status the HTTP status
 * @param contentType its Content-Type
 * @param body its bytes
 * @param headers more headers
 */
public record HttpResponse(
    int status, String contentType, byte[] body, Map<String, String> headers) {
  public static final String JSON = "application/json; charset=utf-8";
  public static final String TEXT = "text/plain; charset=utf-8";

  public HttpResponse {
    requireNonNull(contentType, "contentType is null");
    requireNonNull(body, "body is null");
    headers = Map.copyOf(headers);
  }

  public HttpResponse(int status, String contentType, byte[] body) {
    this(status, contentType, body, Map.of());
  }

  /** A plain-text answer. */
  public static HttpResponse text(int status, String text) {
    return new HttpResponse(status, TEXT, text.getBytes(StandardCharsets.UTF_8));
  }
}

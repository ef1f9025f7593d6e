package io.lambdaflow.http;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One request, read whole.
 *
 * @param method GET, POST, ...
 * @param path the decoded path, {@code /views/purchases}
 * @param query the query parameters, decoded, in order (a repeated name keeps its last value)
 * @param headers the headers by case-insensitive name (a repeated header's values joined by ',')
 * @param body the body's bytes (empty for none)
 */
public record HttpRequest(
    String method,
    String path,
    Map<String, String> query,
    Map<String, String> headers,
    byte[] body) {
  public HttpRequest {
    requireNonNull(method, "method is null");
    requireNonNull(path, "path is null");
    query = Collections.unmodifiableMap(new java.util.LinkedHashMap<>(query));
    Map<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    byName.putAll(headers);
    headers = Collections.unmodifiableMap(byName);
    requireNonNull(body, "body is null");
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name));
  }

  /** The body as UTF-8 text. */
  public String text() {
    return new String(body, StandardCharsets.UTF_8);
  }
}

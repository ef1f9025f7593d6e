package io.lambdaflow.http;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A small server for Prometheus to scrape, for layers without an HTTP API of their own (the speed
 * layer, {@code lambda schedule}): {@code GET /metrics} answers what {@code scrape} gives, {@code
 * GET /health} answers {@code ok}. The same rules as every {@link HttpService}: beyond loopback
 * only with a bearer token and TLS.
 */
public final class MetricsEndpoint {
  private MetricsEndpoint() {}

  /**
   * Starts the endpoint on {@code host:port} (0: a free port; -1: none, empty) and prints its URL
   * to {@code out}.
   *
   * @param token the bearer token a scrape must carry; empty for none
   * @param keystore a keystore to serve TLS with; empty for plain HTTP
   * @param contentType the Content-Type of what {@code scrape} gives
   * @throws IllegalArgumentException beyond loopback without a token and TLS
   * @throws IOException when the port cannot be bound
   */
  public static Optional<HttpService> start(
      String name,
      String host,
      int port,
      String token,
      String keystore,
      String keystorePassword,
      String contentType,
      Supplier<byte[]> scrape,
      PrintStream out)
      throws IOException {
    if (port < 0) {
      return Optional.empty();
    }
    HttpSettings settings =
        new HttpSettings(
            host,
            port,
            Duration.ofSeconds(10),
            4,
            2,
            16,
            Duration.ofSeconds(5),
            Set.of("/health"),
            0,
            Optional.of(token),
            keystore.isEmpty()
                ? Optional.empty()
                : Optional.of(new HttpSettings.Tls(keystore, keystorePassword)));
    HttpService service =
        HttpService.start(
            name,
            settings,
            request -> {
              if (!request.method().equals("GET")) {
                return HttpResponse.text(405, "use GET\n");
              }
              return switch (request.path()) {
                case "/metrics" -> new HttpResponse(200, contentType, scrape.get());
                case "/health" -> HttpResponse.text(200, "ok\n");
                default -> HttpResponse.text(404, "no such endpoint; try /metrics\n");
              };
            });
    out.println("Prometheus metrics at " + service.url() + "/metrics");
    return Optional.of(service);
  }
}

package io.lambdaflow.http;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * How an {@link HttpService} listens and what it bounds.
 *
 * @param host the address to bind; beyond loopback it needs {@code token} and {@code tls}
 * @param port the port; 0 picks a free one
 * @param idleTimeout how long a connection may send nothing (mid-request included) before it is
 *     closed
 * @param threads worker threads (Jetty keeps a few for accepting and selecting)
 * @param maxConcurrent requests handled at once; more wait in a queue
 * @param maxQueued requests that may wait; beyond that, 503 at once
 * @param maxQueueWait how long a request may wait; then 503
 * @param unlimitedPaths paths exempt from the concurrency limit ({@code /health})
 * @param maxBody the largest request body, in bytes; larger gets 413
 * @param token the bearer token every request must carry, if any
 * @param tls the keystore to serve TLS with, if any
 */
public record HttpSettings(
    String host,
    int port,
    Duration idleTimeout,
    int threads,
    int maxConcurrent,
    int maxQueued,
    Duration maxQueueWait,
    Set<String> unlimitedPaths,
    int maxBody,
    Optional<String> token,
    Optional<Tls> tls) {

  public HttpSettings {
    requireNonNull(host, "host is null");
    requireNonNull(idleTimeout, "idleTimeout is null");
    requireNonNull(maxQueueWait, "maxQueueWait is null");
    unlimitedPaths = Set.copyOf(unlimitedPaths);
    token = token.filter(t -> !t.isEmpty());
    requireNonNull(tls, "tls is null");
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
    }
    if (threads < 4 || maxConcurrent < 1 || maxQueued < 0 || maxBody < 0) {
      throw new IllegalArgumentException(
          "need threads >= 4, maxConcurrent >= 1, maxQueued >= 0 and maxBody >= 0, got "
              + threads
              + ", "
              + maxConcurrent
              + ", "
              + maxQueued
              + ", "
              + maxBody);
    }
  }

  @Override
  public String toString() {
    return "HttpSettings["
        + host
        + ":"
        + port
        + ", token="
        + (token.isPresent() ? "<redacted>" : "none")
        + ", tls="
        + tls.map(Tls::toString).orElse("none")
        + "]";
  }

  /** Loopback defaults: 10 s idle timeout, 16 threads, 8 at once, 64 waiting up to 5 s, 1 MiB. */
  public static HttpSettings loopback(int port) {
    return new HttpSettings(
        "127.0.0.1",
        port,
        Duration.ofSeconds(10),
        16,
        8,
        64,
        Duration.ofSeconds(5),
        Set.of("/health"),
        1 << 20,
        Optional.empty(),
        Optional.empty());
  }

  public HttpSettings withHost(String newHost) {
    return new HttpSettings(
        newHost,
        port,
        idleTimeout,
        threads,
        maxConcurrent,
        maxQueued,
        maxQueueWait,
        unlimitedPaths,
        maxBody,
        token,
        tls);
  }

  public HttpSettings withMaxBody(int bytes) {
    return new HttpSettings(
        host,
        port,
        idleTimeout,
        threads,
        maxConcurrent,
        maxQueued,
        maxQueueWait,
        unlimitedPaths,
        bytes,
        token,
        tls);
  }

  /**
   * A keystore (PKCS12 or JKS) holding the server's key and certificate.
   *
   * @param keystore its path
   * @param password its password (from the environment; never printed)
   */
  public record Tls(String keystore, String password) {
    public Tls {
      requireNonNull(keystore, "keystore is null");
      requireNonNull(password, "password is null");
    }

    @Override
    public String toString() {
      return "Tls[keystore=" + keystore + ", password=<redacted>]";
    }
  }
}

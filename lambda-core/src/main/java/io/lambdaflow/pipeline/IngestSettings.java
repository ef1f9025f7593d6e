package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code ingest} section: {@code lambda ingest FILE} serves these routes over HTTP and puts
 * every accepted request on a Kafka topic as one JSON event, answering only after Kafka
 * acknowledged it.
 *
 * @param host the address to bind; beyond loopback it needs {@code token} and a TLS keystore
 * @param port the HTTP port (0: a free one)
 * @param bootstrapServers the Kafka brokers
 * @param maxBody the largest request body in bytes; larger gets 413 and nothing is produced
 * @param maxConcurrent requests handled at once; more wait, then get 503
 * @param idleTimeout how long a client may send nothing before it is disconnected
 * @param token the bearer token every request must carry; empty for none
 * @param tlsKeystore a keystore to serve HTTPS with; empty for plain HTTP
 * @param tlsKeystorePassword its password
 * @param routes the routes, in file order
 */
public record IngestSettings(
    String host,
    int port,
    String bootstrapServers,
    long maxBody,
    int maxConcurrent,
    Duration idleTimeout,
    String token,
    String tlsKeystore,
    String tlsKeystorePassword,
    List<Route> routes) {

  public IngestSettings {
    requireNonNull(host, "host is null");
    requireNonNull(bootstrapServers, "bootstrapServers is null");
    requireNonNull(idleTimeout, "idleTimeout is null");
    requireNonNull(token, "token is null");
    requireNonNull(tlsKeystore, "tlsKeystore is null");
    requireNonNull(tlsKeystorePassword, "tlsKeystorePassword is null");
    routes = List.copyOf(routes);
  }

  /** A header's name as events carry it: {@code user-agent} becomes {@code User-Agent}. */
  public static String canonical(String header) {
    StringBuilder name = new StringBuilder(header.length());
    boolean upper = true;
    for (char c : header.toCharArray()) {
      name.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
      upper = c == '-';
    }
    return name.toString();
  }

  @Override
  public String toString() {
    return "IngestSettings[" + host + ":" + port + ", " + routes.size() + " routes]";
  }

  /**
   * One route: requests with this method and path become events on {@code topic}.
   *
   * @param method GET, POST or PUT
   * @param path the path; a segment {@code {name}} matches any one segment and sets field {@code
   *     name} of the event
   * @param topic the Kafka topic
   * @param fields fixed fields every event of this route carries (an event type), first
   * @param headers the request headers kept as fields (canonical names, {@code User-Agent}); empty
   *     when {@code allHeaders}
   * @param allHeaders keep every request header
   * @param jsonBody the request body is a JSON object whose fields the event carries (path and
   *     fixed fields win over body fields of the same name)
   * @param key the event field whose value is the Kafka record key, if any
   * @param response the text answered with 200 once Kafka acknowledged
   */
  public record Route(
      String method,
      String path,
      String topic,
      Map<String, String> fields,
      List<String> headers,
      boolean allHeaders,
      boolean jsonBody,
      Optional<String> key,
      String response) {
    public Route {
      requireNonNull(method, "method is null");
      requireNonNull(path, "path is null");
      requireNonNull(topic, "topic is null");
      fields = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
      headers = List.copyOf(headers);
      requireNonNull(key, "key is null");
      requireNonNull(response, "response is null");
    }

    /** The path's parameter names, in order ({@code /events/{event_type}}: event_type). */
    public List<String> parameters() {
      return parameters(path);
    }

    /** The parameter names of {@code path}, in order. */
    public static List<String> parameters(String path) {
      return java.util.Arrays.stream(path.split("/"))
          .filter(s -> s.startsWith("{") && s.endsWith("}"))
          .map(s -> s.substring(1, s.length() - 1))
          .toList();
    }
  }
}

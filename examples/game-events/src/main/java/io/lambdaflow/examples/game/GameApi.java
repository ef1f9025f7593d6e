package io.lambdaflow.examples.game;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The game's web API, as the seed's Flask {@code game_api.py}: every request logs an event to the
 * {@code events} topic, the event carrying its type and the request's headers (Host, User-Agent,
 * Accept, ...), and is answered only after Kafka acknowledged it (acks=all, idempotent producer, so
 * a request's event is in the topic exactly once).
 *
 * <ul>
 *   <li>{@code GET /} logs {@code default}; {@code GET /purchase_a_sword} logs {@code
 *       purchase_sword}; {@code GET /purchase_a_knife} {@code purchase_knife}; {@code GET
 *       /join_guild} {@code join_guild};
 *   <li>{@code POST /events/<type>} with a JSON object body logs an event of that type with the
 *       body's fields. A body that is not a JSON object, or larger than {@link #MAX_BODY} bytes,
 *       gets a 400 or 413 with the reason, and nothing is produced.
 * </ul>
 *
 * It runs on the JDK's own HTTP server: no library to clash with Spark's Jetty, Netty or Jersey.
 */
public final class GameApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GameApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The largest POST body accepted, in bytes. */
  public static final int MAX_BODY = 64 * 1024;

  /** GET paths and the event each logs, with the seed's answers. */
  static final Map<String, String[]> ACTIONS =
      Map.of(
          "/", new String[] {"default", "This is the default response!"},
          "/purchase_a_sword", new String[] {"purchase_sword", "Sword Purchased!"},
          "/purchase_a_knife", new String[] {"purchase_knife", "Knife Purchased!"},
          "/join_guild", new String[] {"join_guild", "Joined the guild!"});

  private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  private final HttpServer server;
  private final ExecutorService workers;
  private final KafkaProducer<String, String> producer;
  private final String topic;
  private final AtomicLong produced = new AtomicLong();

  private GameApi(
      HttpServer server,
      ExecutorService workers,
      KafkaProducer<String, String> producer,
      String topic) {
    this.server = server;
    this.workers = workers;
    this.producer = producer;
    this.topic = topic;
  }

  /** Starts the API on {@code host:port} (0: a free port), logging to {@code topic}. */
  public static GameApi start(String bootstrapServers, String topic, String host, int port)
      throws IOException {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.LINGER_MS_CONFIG,
                1,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                15_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                30_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                10_000),
            new StringSerializer(),
            new StringSerializer());
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 1024);
    } catch (IOException e) {
      producer.close();
      throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
    ExecutorService workers =
        Executors.newFixedThreadPool(
            64,
            r -> {
              Thread thread = new Thread(r, "game-api");
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(workers);
    GameApi api = new GameApi(server, workers, producer, topic);
    server.createContext("/", api::handle);
    server.start();
    LOG.info("game API at {} logging to topic '{}' at {}", api.url(), topic, bootstrapServers);
    return api;
  }

  public String url() {
    InetSocketAddress address = server.getAddress();
    return "http://" + address.getHostString() + ":" + address.getPort();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Events acknowledged by Kafka since start. */
  public long produced() {
    return produced.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      handleRequest(exchange);
    }
  }

  private void handleRequest(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      String[] action = ACTIONS.get(path);
      if (action != null) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
          send(exchange, 405, "use GET for " + path);
          return;
        }
        log(exchange, event(action[0], exchange));
        send(exchange, 200, action[1]);
      } else if (path.startsWith("/events/")) {
        if (!method.equals("POST")) {
          send(exchange, 405, "use POST with a JSON object body for " + path);
          return;
        }
        String type = path.substring("/events/".length());
        if (!EVENT_TYPE.matcher(type).matches()) {
          send(
              exchange,
              400,
              "the event type in /events/<type> must be 1-64 letters, digits, '_', '.' or '-'");
          return;
        }
        ObjectNode event;
        try {
          event = body(exchange);
        } catch (BadRequest e) {
          send(exchange, e.status, e.getMessage());
          return;
        }
        ObjectNode full = event(type, exchange);
        event
            .fields()
            .forEachRemaining(
                f -> {
                  if (!f.getKey().equals("event_type")) {
                    full.set(f.getKey(), f.getValue());
                  }
                });
        log(exchange, full);
        send(exchange, 200, "Event logged: " + type);
      } else {
        send(
            exchange,
            404,
            "no such page "
                + path
                + "; try /, /purchase_a_sword, /purchase_a_knife, /join_guild"
                + " or POST /events/<type>");
      }
    } catch (Unavailable e) {
      send(exchange, 503, e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("request failed", e);
      send(exchange, 500, e.toString());
    }
  }

  /** The event: its type first, then every request header as the client named it. */
  private static ObjectNode event(String type, HttpExchange exchange) {
    ObjectNode event = JSON.createObjectNode();
    event.put("event_type", type);
    for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
      event.put(canonical(header.getKey()), String.join(",", header.getValue()));
    }
    return event;
  }

  /** {@code user-agent} and {@code User-agent} become {@code User-Agent}, as Flask shows them. */
  static String canonical(String header) {
    StringBuilder name = new StringBuilder(header.length());
    boolean upper = true;
    for (char c : header.toCharArray()) {
      name.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
      upper = c == '-';
    }
    return name.toString();
  }

  private void log(HttpExchange exchange, ObjectNode event) throws IOException {
    String host = event.path("Host").asText("");
    try {
      producer
          .send(new ProducerRecord<>(topic, host, JSON.writeValueAsString(event)))
          .get(30, TimeUnit.SECONDS);
      produced.incrementAndGet();
    } catch (ExecutionException | TimeoutException e) {
      throw new Unavailable(
          "the event was not logged: Kafka did not acknowledge it ("
              + (e.getCause() != null ? e.getCause().getMessage() : "timed out")
              + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted before Kafka acknowledged the event");
    }
  }

  private static ObjectNode body(HttpExchange exchange) throws IOException {
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    if (length != null && length.matches("\\d+") && Long.parseLong(length) > MAX_BODY) {
      throw new BadRequest(413, "the body is larger than " + MAX_BODY + " bytes");
    }
    byte[] bytes;
    try (InputStream in = exchange.getRequestBody()) {
      bytes = in.readNBytes(MAX_BODY + 1);
    }
    if (bytes.length > MAX_BODY) {
      throw new BadRequest(413, "the body is larger than " + MAX_BODY + " bytes");
    }
    JsonNode node;
    try {
      node = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new BadRequest(400, "the body is not JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new BadRequest(
          400,
          "the body must be a JSON object ({\"field\": value, ...}), got "
              + (node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT)));
    }
    return (ObjectNode) node;
  }

  private static void send(HttpExchange exchange, int status, String text) throws IOException {
    byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    workers.shutdownNow();
    producer.close();
  }

  private static final class BadRequest extends IOException {
    final int status;

    BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  /** Kafka did not take the event: the client gets a 503 and may retry. */
  private static final class Unavailable extends RuntimeException {
    Unavailable(String message) {
      super(message);
    }
  }
}

package io.lambdaflow.examples.game;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdaflow.http.HttpRequest;
import io.lambdaflow.http.HttpResponse;
import io.lambdaflow.http.HttpService;
import io.lambdaflow.http.HttpSettings;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
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
 * It runs on {@link HttpService}: a client that stalls mid-request is cut off after 10 s of silence
 * without holding a worker, and more than 64 requests at once wait, then get 503.
 */
public final class GameApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GameApi.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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

  private HttpService server;
  private final KafkaProducer<String, String> producer;
  private final String topic;
  private final AtomicLong produced = new AtomicLong();

  private GameApi(KafkaProducer<String, String> producer, String topic) {
    this.producer = producer;
    this.topic = topic;
  }

  /** Starts the API on {@code host:port} (0: a free port), logging to {@code topic}. */
  public static GameApi start(String bootstrapServers, String topic, String host, int port)
      throws IOException {
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
    GameApi api = new GameApi(producer, topic);
    HttpSettings settings =
        new HttpSettings(
            host,
            port,
            Duration.ofSeconds(10),
            72,
            64,
            1024,
            Duration.ofSeconds(10),
            Set.of(),
            MAX_BODY,
            Optional.empty(),
            Optional.empty());
    try {
      api.server = HttpService.start("game-api", settings, api::handle);
    } catch (IOException | RuntimeException e) {
      producer.close();
      throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
    LOG.info("game API at {} logging to topic '{}' at {}", api.url(), topic, bootstrapServers);
    return api;
  }

  public String url() {
    return server.url();
  }

  public int port() {
    return server.port();
  }

  /** Events acknowledged by Kafka since start. */
  public long produced() {
    return produced.get();
  }

  private HttpResponse handle(HttpRequest request) throws IOException {
    try {
      String path = request.path();
      String method = request.method();
      String[] action = ACTIONS.get(path);
      if (action != null) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
          return send(405, "use GET for " + path);
        }
        log(event(action[0], request));
        return send(200, action[1]);
      } else if (path.startsWith("/events/")) {
        if (!method.equals("POST")) {
          return send(405, "use POST with a JSON object body for " + path);
        }
        String type = path.substring("/events/".length());
        if (!EVENT_TYPE.matcher(type).matches()) {
          return send(
              400,
              "the event type in /events/<type> must be 1-64 letters, digits, '_', '.' or '-'");
        }
        ObjectNode event;
        try {
          event = body(request);
        } catch (BadRequest e) {
          return send(400, e.getMessage());
        }
        ObjectNode full = event(type, request);
        event
            .fields()
            .forEachRemaining(
                f -> {
                  if (!f.getKey().equals("event_type")) {
                    full.set(f.getKey(), f.getValue());
                  }
                });
        log(full);
        return send(200, "Event logged: " + type);
      }
      return send(
          404,
          "no such page "
              + path
              + "; try /, /purchase_a_sword, /purchase_a_knife, /join_guild"
              + " or POST /events/<type>");
    } catch (Unavailable e) {
      return send(503, e.getMessage());
    }
  }

  /** The event: its type first, then every request header as the client named it. */
  private static ObjectNode event(String type, HttpRequest request) {
    ObjectNode event = JSON.createObjectNode();
    event.put("event_type", type);
    request.headers().forEach((name, value) -> event.put(canonical(name), value));
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

  private void log(ObjectNode event) throws IOException {
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

  private static ObjectNode body(HttpRequest request) throws IOException {
    byte[] bytes = request.body();
    JsonNode node;
    try {
      node = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new BadRequest("the body is not JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new BadRequest(
          "the body must be a JSON object ({\"field\": value, ...}), got "
              + (node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT)));
    }
    return (ObjectNode) node;
  }

  private static HttpResponse send(int status, String text) {
    return HttpResponse.text(status, text + "\n");
  }

  @Override
  public void close() {
    server.close();
    producer.close();
  }

  private static final class BadRequest extends IOException {
    BadRequest(String message) {
      super(message);
    }
  }

  /** Kafka did not take the event: the client gets a 503 and may retry. */
  private static final class Unavailable extends RuntimeException {
    Unavailable(String message) {
      super(message);
    }
  }
}

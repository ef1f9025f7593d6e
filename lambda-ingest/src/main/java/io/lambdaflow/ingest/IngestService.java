package io.lambdaflow.ingest;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdaflow.http.HttpRequest;
import io.lambdaflow.http.HttpResponse;
import io.lambdaflow.http.HttpService;
import io.lambdaflow.http.HttpSettings;
import io.lambdaflow.pipeline.IngestSettings;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest API: the {@code ingest} section's routes over HTTP ({@link HttpService}: bounded
 * bodies, idle clients cut off, at most {@code max-concurrent} requests at once), each accepted
 * request one JSON event on its route's topic. A request is answered 200 only after Kafka
 * acknowledged its event (acks=all, idempotent producer: the event is in the topic exactly once);
 * 503 when Kafka did not, so the client may retry. A body that is not a JSON object gets 400, one
 * over {@code max-body} 413, and nothing is produced for either.
 */
public final class IngestService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);

  private final KafkaProducer<String, String> producer;
  private final Routes routes;
  private final AtomicLong produced = new AtomicLong();
  private HttpService server;

  private IngestService(KafkaProducer<String, String> producer, Routes routes) {
    this.producer = producer;
    this.routes = routes;
  }

  /**
   * Starts the API.
   *
   * @throws IllegalArgumentException when there are no routes, or the address is beyond loopback
   *     without a token and TLS
   * @throws IOException when the port cannot be bound
   */
  public static IngestService start(IngestSettings settings) throws IOException {
    requireNonNull(settings, "settings is null");
    if (settings.routes().isEmpty()) {
      throw new IllegalArgumentException(
          "the ingest section declares no routes; add ingest.routes = [ { method = POST, path ="
              + " \"/events\", topic = events } ]");
    }
    KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                settings.bootstrapServers(),
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
    IngestService service = new IngestService(producer, new Routes(settings.routes()));
    HttpSettings http =
        new HttpSettings(
            settings.host(),
            settings.port(),
            settings.idleTimeout(),
            settings.maxConcurrent() + 8,
            settings.maxConcurrent(),
            1024,
            Duration.ofSeconds(10),
            Set.of("/health"),
            (int) settings.maxBody(),
            Optional.of(settings.token()),
            settings.tlsKeystore().isEmpty()
                ? Optional.empty()
                : Optional.of(
                    new HttpSettings.Tls(settings.tlsKeystore(), settings.tlsKeystorePassword())));
    try {
      service.server = HttpService.start("ingest", http, service::handle);
    } catch (IOException | RuntimeException e) {
      producer.close(Duration.ZERO);
      if (e instanceof IllegalArgumentException refused) {
        throw refused;
      }
      throw new IOException(
          "cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage(), e);
    }
    LOG.info(
        "ingest API at {}: {} routes to Kafka at {}",
        service.url(),
        settings.routes().size(),
        settings.bootstrapServers());
    return service;
  }

  public String url() {
    return server.url();
  }

  public int port() {
    return server.port();
  }

  /** Events Kafka acknowledged since start. */
  public long produced() {
    return produced.get();
  }

  private HttpResponse handle(HttpRequest request) {
    if (request.path().equals("/health")) {
      return text(200, "ok");
    }
    Routes.Match match;
    try {
      match = routes.match(request);
    } catch (Routes.Refused e) {
      return text(e.status(), e.getMessage());
    }
    ObjectNode event = match.event();
    String key = match.route().key().map(k -> event.path(k).asText(null)).orElse(null);
    try {
      producer
          .send(new ProducerRecord<>(match.route().topic(), key, event.toString()))
          .get(30, TimeUnit.SECONDS);
      produced.incrementAndGet();
    } catch (ExecutionException | TimeoutException e) {
      return text(
          503,
          "the event was not logged: Kafka did not acknowledge it ("
              + (e.getCause() != null ? e.getCause().getMessage() : "timed out")
              + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return text(503, "interrupted before Kafka acknowledged the event");
    }
    return text(200, response(match));
  }

  /** The route's answer, each {@code {field}} of its path replaced by the request's value. */
  private static String response(Routes.Match match) {
    String response = match.route().response();
    for (String field : match.route().parameters()) {
      response = response.replace("{" + field + "}", match.event().path(field).asText());
    }
    return response;
  }

  private static HttpResponse text(int status, String text) {
    return HttpResponse.text(status, text + "\n");
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
    producer.close(Duration.ofSeconds(5));
    LOG.info("ingest API stopped after {} events", produced.get());
  }
}

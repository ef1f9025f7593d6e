package io.lambdaflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.pipeline.IngestSettings;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.testkit.TestKafka;
import io.lambdaflow.testkit.TestPipelines;
import io.lambdaflow.testkit.TestServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Routes from config against a real broker: events as declared, keyed, refusals produce nothing.
 */
@ExtendWith(TestServices.class)
class IngestServiceTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void broker(EmbeddedKafka broker) {
    kafka = broker;
  }

  private static IngestSettings settings(String topic, String routes) throws Exception {
    return TestPipelines.loader()
        .parse(
            """
            sources { s { type = files, path = in, format = text } }
            sinks { out { type = console } }
            ingest {
              port = 0
              max-body = 1k
              topic = %s
              routes = [
            %s
              ]
            }
            """
                .formatted(topic, routes),
            "ingest.conf",
            Map.of("ingest.bootstrap-servers", kafka.bootstrapServers()),
            Set.of(ExecutionMode.BATCH))
        .ingest();
  }

  /** Every record of {@code topic} as "key value". */
  private static List<String> records(String topic) {
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", kafka.bootstrapServers()),
            new StringDeserializer(),
            new StringDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long total =
          consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
      return TestKafka.poll(consumer, total, r -> r.key() + " " + r.value());
    }
  }

  private static HttpResponse<String> send(String method, String url, String body)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("User-Agent", "poster/1.0")
            .header("X-Request-Id", "r-1")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void eachRouteMakesTheEventItDeclaresKeyedAsDeclared() throws Exception {
    kafka.createTopic("pins", 1);
    kafka.createTopic("clicks", 1);
    IngestSettings settings =
        settings(
            "pins",
            """
                { path = "/pin", key = unique_id, headers = [user-agent], response = "pinned" }
                { method = PUT, path = "/boards/{board}/pins/{pin_id}", key = pin_id,
                  fields { action = moved }, response = "moved {pin_id} to {board}" }
                { method = GET, path = "/click", topic = clicks, fields { event_type = click },
                  headers = [X-Request-Id], key = X-Request-Id }
            """);
    try (IngestService api = IngestService.start(settings)) {
      HttpResponse<String> pinned =
          send("POST", api.url() + "/pin", "{\"unique_id\": \"u-1\", \"follower_count\": \"12k\"}");
      assertThat(pinned.statusCode()).isEqualTo(200);
      assertThat(pinned.body()).isEqualTo("pinned\n");
      HttpResponse<String> moved =
          send(
              "PUT",
              api.url() + "/boards/travel/pins/p-7",
              "{\"pin_id\": \"ignored\", \"action\": \"ignored\", \"note\": \"\\u00e9t\\u00e9\"}");
      assertThat(moved.statusCode()).isEqualTo(200);
      assertThat(moved.body()).isEqualTo("moved p-7 to travel\n");
      assertThat(send("GET", api.url() + "/click", null).statusCode()).isEqualTo(200);
      assertThat(send("HEAD", api.url() + "/click", null).statusCode()).isEqualTo(200);
      assertThat(api.produced()).isEqualTo(4);
    }
    assertThat(records("pins"))
        .containsExactly(
            "u-1 {\"User-Agent\":\"poster/1.0\",\"unique_id\":\"u-1\",\"follower_count\":\"12k\"}",
            "p-7 {\"board\":\"travel\",\"pin_id\":\"p-7\",\"action\":\"moved\",\"note\":\"été\"}");
    assertThat(records("clicks"))
        .containsExactly(
            "r-1 {\"event_type\":\"click\",\"X-Request-Id\":\"r-1\"}",
            "r-1 {\"event_type\":\"click\",\"X-Request-Id\":\"r-1\"}");
  }

  @Test
  void refusedRequestsGetTheirReasonAndProduceNothing() throws Exception {
    kafka.createTopic("refused", 1);
    IngestSettings settings = settings("refused", "    { path = \"/pin\", key = unique_id }\n");
    try (IngestService api = IngestService.start(settings)) {
      String pin = api.url() + "/pin";
      HttpResponse<String> notJson = send("POST", pin, "{\"unique_id\": ");
      assertThat(notJson.statusCode()).isEqualTo(400);
      assertThat(notJson.body()).startsWith("the body is not JSON: ");
      HttpResponse<String> trailing = send("POST", pin, "{\"unique_id\": 1}}");
      assertThat(trailing.statusCode()).isEqualTo(400);
      assertThat(trailing.body()).startsWith("the body is not JSON: ");
      HttpResponse<String> array = send("POST", pin, "[1]");
      assertThat(array.statusCode()).isEqualTo(400);
      assertThat(array.body())
          .isEqualTo("the body must be a JSON object ({\"field\": value, ...}), got array\n");
      HttpResponse<String> empty = send("POST", pin, "");
      assertThat(empty.statusCode()).isEqualTo(400);
      assertThat(empty.body())
          .isEqualTo("the body must be a JSON object ({\"field\": value, ...}), got nothing\n");
      HttpResponse<String> large = send("POST", pin, "{\"x\": \"" + "a".repeat(1024) + "\"}");
      assertThat(large.statusCode()).isEqualTo(413);
      HttpResponse<String> wrongMethod = send("GET", pin, null);
      assertThat(wrongMethod.statusCode()).isEqualTo(405);
      assertThat(wrongMethod.body()).isEqualTo("use POST for /pin with a JSON object body\n");
      HttpResponse<String> nowhere = send("POST", api.url() + "/pins", "{}");
      assertThat(nowhere.statusCode()).isEqualTo(404);
      assertThat(nowhere.body()).isEqualTo("no route for /pins; routes: POST /pin\n");
      assertThat(send("GET", api.url() + "/health", null).statusCode()).isEqualTo(200);
      assertThat(api.produced()).isZero();
    }
    assertThat(records("refused")).isEmpty();
  }

  @Test
  void bindingBeyondLoopbackNeedsATokenAndTls() throws Exception {
    IngestSettings loopback = settings("t", "    { path = \"/pin\" }\n");
    IngestSettings open =
        new IngestSettings(
            "0.0.0.0",
            0,
            loopback.bootstrapServers(),
            loopback.maxBody(),
            loopback.maxConcurrent(),
            loopback.idleTimeout(),
            "",
            "",
            "",
            loopback.routes());
    assertThatThrownBy(() -> IngestService.start(open))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "binding 0.0.0.0 reaches beyond loopback, which needs both a bearer token and TLS (a"
                + " keystore); missing: the token and the keystore");
  }
}

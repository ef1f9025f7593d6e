package io.lambdaflow.examples.game;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.ingest.IngestService;
import io.lambdaflow.testkit.TestKafka;
import io.lambdaflow.testkit.TestServices;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The game API (conf/game-events.conf's ingest routes) against a real broker: events with headers,
 * acknowledged; bad bodies refused.
 */
@ExtendWith(TestServices.class)
class GameApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void broker(EmbeddedKafka broker) {
    kafka = broker;
  }

  static List<JsonNode> events(String topic) throws Exception {
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", kafka.bootstrapServers(), "group.id", "test-" + topic),
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
      return TestKafka.poll(consumer, total, r -> JSON.readTree(r.value()));
    }
  }

  private static HttpResponse<String> post(IngestService api, String path, String body)
      throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(api.url() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void everyActionLogsOneEventWithTheRequestHeaders() throws Exception {
    kafka.createTopic("actions", 2);
    try (IngestService api = GameEventsEndToEndTest.api(kafka.bootstrapServers(), "actions")) {
      LoadGenerator.Result result =
          LoadGenerator.run(api.url(), List.of("user1.comcast.com", "user2.att.com"), 200, 0, 4, 7);
      assertThat(result.sent()).isEqualTo(200);
      assertThat(result.failed()).isZero();

      HttpResponse<String> posted =
          post(api, "/events/level_up", "{\"level\": 3, \"event_type\": \"x\"}");
      assertThat(posted.statusCode()).isEqualTo(200);
      assertThat(posted.body()).isEqualTo("Event logged: level_up\n");

      List<JsonNode> events = events("actions");
      assertThat(events).hasSize(201);
      assertThat(api.produced()).isEqualTo(201);
      JsonNode sword =
          events.stream()
              .filter(e -> e.path("event_type").asText().equals("purchase_sword"))
              .findFirst()
              .orElseThrow();
      assertThat(sword.path("Host").asText()).isIn("user1.comcast.com", "user2.att.com");
      assertThat(sword.path("User-Agent").asText()).isEqualTo("lambda-load/1.0");
      assertThat(sword.path("Accept").asText()).isEqualTo("*/*");
      assertThat(
              events.stream()
                  .filter(e -> e.path("Host").asText().equals("user1.comcast.com"))
                  .filter(e -> e.path("event_type").asText().equals("purchase_sword"))
                  .count())
          .isEqualTo(result.byHost("purchase_sword").get("user1.comcast.com"));
      JsonNode level =
          events.stream()
              .filter(e -> e.path("event_type").asText().equals("level_up"))
              .findFirst()
              .orElseThrow();
      assertThat(level.path("event_type").asText()).isEqualTo("level_up");
      assertThat(level.path("level").asInt()).isEqualTo(3);
      assertThat(level.path("Content-Type").asText()).isEqualTo("application/json");
    }
  }

  @Test
  void badRequestsGetClearErrorsAndProduceNothing() throws Exception {
    kafka.createTopic("refused", 1);
    try (IngestService api = GameEventsEndToEndTest.api(kafka.bootstrapServers(), "refused")) {
      HttpResponse<String> notJson = post(api, "/events/buy", "{\"level\": ");
      assertThat(notJson.statusCode()).isEqualTo(400);
      assertThat(notJson.body()).startsWith("the body is not JSON");
      HttpResponse<String> array = post(api, "/events/buy", "[1, 2]");
      assertThat(array.statusCode()).isEqualTo(400);
      assertThat(array.body()).contains("must be a JSON object").contains("array");
      HttpResponse<String> large =
          post(api, "/events/buy", "{\"x\": \"" + "a".repeat(64 * 1024) + "\"}");
      assertThat(large.statusCode()).isEqualTo(413);
      assertThat(large.body()).contains("larger than 65536 bytes");
      HttpResponse<String> badType = post(api, "/events/a!b", "{}");
      assertThat(badType.statusCode()).isEqualTo(400);
      HttpResponse<String> missing =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(api.url() + "/nowhere")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(missing.body()).contains("/purchase_a_sword");
      assertThat(api.produced()).isZero();
      assertThat(events("refused")).isEmpty();
    }
  }

  @Test
  void apacheBenchWith20000RequestsAnd50ConnectionsLosesAndRepeatsNothing() throws Exception {
    Assumptions.assumeTrue(
        new File("/usr/bin/ab").canExecute(),
        "ab is not installed (apt-get install apache2-utils); .ci/run installs it");
    kafka.createTopic("ab", 2);
    try (IngestService api = GameEventsEndToEndTest.api(kafka.bootstrapServers(), "ab")) {
      Process ab =
          new ProcessBuilder(
                  "ab",
                  "-q",
                  "-n",
                  "20000",
                  "-c",
                  "50",
                  "-H",
                  "Host: user1.comcast.com",
                  api.url() + "/purchase_a_sword")
              .redirectErrorStream(true)
              .start();
      String report = new String(ab.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(ab.waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(ab.exitValue()).as(report).isZero();
      assertThat(report)
          .containsPattern("Complete requests:\\s+20000")
          .containsPattern("Failed requests:\\s+0\\b");
      assertThat(report).doesNotContainPattern("Non-2xx responses");
      assertThat(api.produced()).isEqualTo(20_000);
      List<JsonNode> events = events("ab");
      assertThat(events).hasSize(20_000);
      assertThat(events)
          .allSatisfy(e -> assertThat(e.path("Host").asText()).isEqualTo("user1.comcast.com"));
    }
  }
}

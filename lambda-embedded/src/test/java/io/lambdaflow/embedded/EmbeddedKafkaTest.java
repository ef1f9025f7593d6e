package io.lambdaflow.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaTest {
  @Test
  void producesAndConsumesThenLeavesNothingBehind() throws Exception {
    Path logDir;
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
      kafka.createTopic("events", 2);
      assertThat(kafka.topics()).contains("events");
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(
              Map.of("bootstrap.servers", kafka.bootstrapServers()),
              new StringSerializer(),
              new StringSerializer())) {
        for (int i = 0; i < 10; i++) {
          producer.send(new ProducerRecord<>("events", "k" + i, "v" + i)).get();
        }
      }
      List<String> values = new ArrayList<>();
      try (KafkaConsumer<String, String> consumer =
          new KafkaConsumer<>(
              Map.of(
                  "bootstrap.servers",
                  kafka.bootstrapServers(),
                  "group.id",
                  "t",
                  "auto.offset.reset",
                  "earliest"),
              new StringDeserializer(),
              new StringDeserializer())) {
        consumer.subscribe(List.of("events"));
        await("ten records")
            .atMost(Duration.ofSeconds(30))
            .pollInSameThread() // a consumer belongs to one thread
            .pollInterval(Duration.ZERO)
            .until(
                () -> {
                  for (ConsumerRecord<String, String> record :
                      consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                  }
                  return values.size() >= 10;
                });
      }
      assertThat(values)
          .containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
      logDir = kafka.logDir();
      assertThat(logDir).isDirectory();
    }
    assertThat(logDir).doesNotExist();
  }
}

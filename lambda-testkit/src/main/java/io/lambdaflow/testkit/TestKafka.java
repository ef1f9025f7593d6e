package io.lambdaflow.testkit;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Reading what a test produced to Kafka. */
public final class TestKafka {
  /** How a record becomes what the test compares. */
  @FunctionalInterface
  public interface RecordMapper<T> {
    T map(ConsumerRecord<String, String> record) throws Exception;
  }

  private TestKafka() {}

  /**
   * Polls {@code consumer} (subscribed or assigned) until at least {@code count} records came, for
   * 30 s at the most, in the calling thread (a consumer belongs to one thread).
   */
  public static <T> List<T> poll(
      Consumer<String, String> consumer, long count, RecordMapper<T> mapper) {
    List<T> records = new ArrayList<>();
    await(count + " records")
        .atMost(Duration.ofSeconds(30))
        .pollInSameThread()
        .pollInterval(Duration.ZERO)
        .until(
            () -> {
              for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                records.add(mapper.map(record));
              }
              return records.size() >= count;
            });
    return records;
  }
}

package io.lambdaflow.testkit;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

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

  /**
   * Sends each of {@code values} to {@code topic} as a record without a key; all acknowledged: a
   * send the broker refused is thrown here, not lost ({@code flush} alone only waits for it).
   */
  public static void produce(String bootstrapServers, String topic, Iterable<String> values) {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", bootstrapServers, "acks", "all"),
            new StringSerializer(),
            new StringSerializer())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (String value : values) {
        sent.add(producer.send(new ProducerRecord<>(topic, value)));
      }
      for (Future<RecordMetadata> each : sent) {
        each.get(1, TimeUnit.MINUTES);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted producing to " + topic, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("records to " + topic + " not all acknowledged", e);
    }
  }

  /**
   * {@code count} JSON records from {@code from} on, each made by {@code record} from its index.
   */
  public static List<String> records(
      int from, int count, java.util.function.IntFunction<String> record) {
    List<String> records = new ArrayList<>(count);
    for (int i = from; i < from + count; i++) {
      records.add(record.apply(i));
    }
    return records;
  }
}

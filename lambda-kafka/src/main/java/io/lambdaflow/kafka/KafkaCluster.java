package io.lambdaflow.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Questions the framework asks a Kafka cluster before Spark reads or writes, with a deadline, so
 * that a missing topic or an unreachable broker is a clear error and never a hang.
 */
final class KafkaCluster {
  private final String bootstrapServers;
  private final Map<String, String> clientOptions;
  private final Duration timeout;

  KafkaCluster(String bootstrapServers, Map<String, String> clientOptions, Duration timeout) {
    this.bootstrapServers = bootstrapServers;
    this.clientOptions = clientOptions;
    this.timeout = timeout;
  }

  /**
   * The partitions of the topics named or matched, failing with a message that names what is
   * missing and what exists.
   */
  List<TopicPartition> partitions(List<String> topics, String pattern) {
    return ask(
        admin -> {
          Set<String> existing =
              new TreeSet<>(admin.listTopics().names().get(millis(), TimeUnit.MILLISECONDS));
          List<String> wanted = new ArrayList<>();
          if (pattern != null) {
            Pattern regex = Pattern.compile(pattern);
            existing.stream().filter(t -> regex.matcher(t).matches()).forEach(wanted::add);
            if (wanted.isEmpty()) {
              throw new IllegalStateException(
                  "no topic on "
                      + bootstrapServers
                      + " matches the pattern '"
                      + pattern
                      + "' (topics there: "
                      + existing
                      + ")");
            }
          } else {
            for (String topic : topics) {
              if (!existing.contains(topic)) {
                throw new IllegalStateException(
                    "topic '"
                        + topic
                        + "' does not exist on "
                        + bootstrapServers
                        + "; create it or check the name (topics there: "
                        + existing
                        + ")");
              }
              wanted.add(topic);
            }
          }
          Map<String, TopicDescription> descriptions =
              admin.describeTopics(wanted).allTopicNames().get(millis(), TimeUnit.MILLISECONDS);
          List<TopicPartition> partitions = new ArrayList<>();
          for (TopicDescription description : descriptions.values()) {
            for (TopicPartitionInfo partition : description.partitions()) {
              partitions.add(new TopicPartition(description.name(), partition.partition()));
            }
          }
          partitions.sort(
              Comparator.comparing(TopicPartition::topic)
                  .thenComparingInt(TopicPartition::partition));
          return partitions;
        });
  }

  /** The current end offset of each partition. */
  Map<TopicPartition, Long> endOffsets(List<TopicPartition> partitions) {
    return offsets(partitions, OffsetSpec.latest());
  }

  /** The earliest offset each partition still holds (retention moves it forward). */
  Map<TopicPartition, Long> beginningOffsets(List<TopicPartition> partitions) {
    return offsets(partitions, OffsetSpec.earliest());
  }

  private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec) {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    partitions.forEach(p -> request.put(p, spec));
    return ask(
        admin -> {
          Map<TopicPartition, Long> offsets = new HashMap<>();
          admin
              .listOffsets(request)
              .all()
              .get(millis(), TimeUnit.MILLISECONDS)
              .forEach((partition, info) -> offsets.put(partition, info.offset()));
          return offsets;
        });
  }

  @FunctionalInterface
  private interface AdminCall<T> {
    T call(Admin admin) throws ExecutionException, InterruptedException, TimeoutException;
  }

  /** One conversation with the cluster, its failures turned into errors a user can act on. */
  private <T> T ask(AdminCall<T> call) {
    try (Admin admin = admin()) {
      return call.call(admin);
    } catch (TimeoutException e) {
      throw unreachable(e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        // The admin client's own deadline (the same wait) can expire before ours: no broker.
        throw unreachable(e);
      }
      throw new IllegalStateException(
          "Kafka at " + bootstrapServers + " refused: " + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking Kafka at " + bootstrapServers, e);
    }
  }

  private IllegalStateException unreachable(Exception e) {
    return new IllegalStateException(
        "cannot reach Kafka at "
            + bootstrapServers
            + " within "
            + timeout.toSeconds()
            + " s; is the broker running and the address right? (connect-timeout sets the wait)",
        e);
  }

  private long millis() {
    return timeout.toMillis();
  }

  private Admin admin() {
    Map<String, Object> props = new HashMap<>(clientOptions);
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
    return Admin.create(props);
  }
}

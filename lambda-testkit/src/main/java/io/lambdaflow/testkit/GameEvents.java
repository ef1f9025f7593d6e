package io.lambdaflow.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A game-event pipeline with two views for lambda-contract tests, random events for it (some
 * malformed), and its views computed directly over a list of events: what serving must answer.
 */
public final class GameEvents {
  public static final String[] HOSTS = {"user1.comcast.com", "user2.att.com", "user3.google.com"};
  public static final String[] TYPES = {
    "purchase_sword", "purchase_knife", "join_guild", "default"
  };

  /** The purchases view, as the served rows are rendered by {@code text}. */
  public static final String PURCHASES_SQL = "SELECT n, host, event_type, amount FROM purchases";

  /** The per_host view, as the served rows are rendered by {@code text}. */
  public static final String PER_HOST_SQL =
      "SELECT host, event_type, events, spent, top, low, mean FROM per_host";

  private GameEvents() {}

  /** One event; {@code malformed} ones are not JSON and become dead letters. */
  public record Event(long n, String host, String type, long amount, boolean malformed) {
    public String json() {
      if (malformed) {
        return "{\"n\": " + n + ", broken";
      }
      return "{\"n\":"
          + n
          + ",\"host\":\""
          + host
          + "\",\"event_type\":\""
          + type
          + "\",\"amount\":"
          + amount
          + "}";
    }
  }

  /** {@code count} events numbered from {@code from}; about one in twenty is malformed. */
  public static List<Event> events(Random random, long from, int count) {
    List<Event> events = new ArrayList<>();
    for (long n = from; n < from + count; n++) {
      events.add(
          new Event(
              n,
              HOSTS[random.nextInt(HOSTS.length)],
              TYPES[random.nextInt(TYPES.length)],
              random.nextInt(100),
              random.nextInt(20) == 0));
    }
    return events;
  }

  /** Sends {@code events} to {@code topic}, keyed by host, and waits until all are acknowledged. */
  public static void produce(String bootstrapServers, String topic, List<Event> events) {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", bootstrapServers, "acks", "all"),
            new StringSerializer(),
            new StringSerializer())) {
      for (Event event : events) {
        producer.send(new ProducerRecord<>(topic, event.host(), event.json()));
      }
      producer.flush();
    }
  }

  /**
   * The pipeline: a Kafka topic of JSON events, a filter, an append view {@code purchases} and an
   * aggregate view {@code per_host}; both layers, speed trigger available-now, no metastore.
   */
  public static String hocon(String bootstrap, String topic, Path storage) {
    return "name = game\n"
        + "layers = [batch, speed]\n"
        + "storage-root = "
        + TestPipelines.quoted(storage)
        + "\n"
        + "speed.trigger = available-now\n"
        + "metastore.enabled = false\n"
        + "sources.events {\n"
        + "  type = kafka\n"
        + "  bootstrap-servers = \""
        + bootstrap
        + "\"\n"
        + "  topic = "
        + topic
        + "\n"
        + "  value-format = json\n"
        + "  schema = \"n BIGINT, host STRING, event_type STRING, amount BIGINT\"\n"
        + "  required = [n]\n"
        + "}\n"
        + "transforms = [{ type = filter, condition = \"amount >= 0\" }]\n"
        + "views {\n"
        + "  purchases {\n"
        + "    type = append\n"
        + "    filter = \"event_type LIKE 'purchase%'\"\n"
        + "    columns = [n, host, event_type, amount]\n"
        + "    key = [host]\n"
        + "  }\n"
        + "  per_host {\n"
        + "    type = aggregate\n"
        + "    group-by = [host, event_type]\n"
        + "    measures { events = count, spent = \"sum(amount)\", top = \"max(amount)\","
        + " low = \"min(amount)\", mean = \"avg(amount)\" }\n"
        + "  }\n"
        + "}\n";
  }

  /** The purchases view over {@code events}, as sorted rows of text (values joined by '|'). */
  public static List<String> purchases(List<Event> events) {
    List<String> rows = new ArrayList<>();
    for (Event e : events) {
      if (!e.malformed() && e.type().startsWith("purchase")) {
        rows.add(e.n() + "|" + e.host() + "|" + e.type() + "|" + e.amount());
      }
    }
    rows.sort(null);
    return rows;
  }

  /** The per_host view over {@code events}, as sorted rows of text (values joined by '|'). */
  public static List<String> perHost(List<Event> events) {
    Map<String, long[]> groups = new TreeMap<>();
    for (Event e : events) {
      if (e.malformed()) {
        continue;
      }
      long[] g =
          groups.computeIfAbsent(
              e.host() + "|" + e.type(), k -> new long[] {0, 0, Long.MIN_VALUE, Long.MAX_VALUE});
      g[0]++;
      g[1] += e.amount();
      g[2] = Math.max(g[2], e.amount());
      g[3] = Math.min(g[3], e.amount());
    }
    List<String> rows = new ArrayList<>();
    groups.forEach(
        (key, g) ->
            rows.add(
                key
                    + "|"
                    + g[0]
                    + "|"
                    + g[1]
                    + "|"
                    + g[2]
                    + "|"
                    + g[3]
                    + "|"
                    + ((double) g[1] / g[0])));
    rows.sort(null);
    return rows;
  }
}

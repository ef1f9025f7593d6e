package io.lambdaflow.serving;

import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.testkit.TestPipelines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * The game-event pipeline the lambda-contract tests share, and the views it declares computed
 * directly over a list of produced events: what the serving layer must answer.
 */
final class LambdaContract {
  static final String[] HOSTS = {"user1.comcast.com", "user2.att.com", "user3.google.com"};
  static final String[] TYPES = {"purchase_sword", "purchase_knife", "join_guild", "default"};

  private LambdaContract() {}

  /** One produced event; {@code malformed} ones are not JSON and become dead letters. */
  record Event(long n, String host, String type, long amount, boolean malformed) {
    String json() {
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

  static List<Event> events(Random random, long from, int count) {
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

  static String hocon(String bootstrap, String topic, Path storage) {
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

  static Pipeline pipeline(String hocon, Map<String, String> overrides) {
    try {
      return TestPipelines.loader()
          .parse(
              hocon, "game.conf", overrides, Set.of(ExecutionMode.BATCH, ExecutionMode.STREAMING));
    } catch (ConfigurationException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  /** The purchases view over {@code events}, as sorted rows of text. */
  static List<String> purchases(List<Event> events) {
    List<String> rows = new ArrayList<>();
    for (Event e : events) {
      if (!e.malformed() && e.type().startsWith("purchase")) {
        rows.add(e.n() + "|" + e.host() + "|" + e.type() + "|" + e.amount());
      }
    }
    rows.sort(null);
    return rows;
  }

  /** The per_host view over {@code events}, as sorted rows of text. */
  static List<String> perHost(List<Event> events) {
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

  /** A served answer as sorted rows of text, values joined by '|'. */
  static List<String> text(QueryResult result) {
    List<String> rows = new ArrayList<>();
    for (List<Object> row : result.rows()) {
      rows.add(String.join("|", row.stream().map(String::valueOf).toList()));
    }
    rows.sort(null);
    return rows;
  }

  static final String PURCHASES_SQL = "SELECT n, host, event_type, amount FROM purchases";
  static final String PER_HOST_SQL =
      "SELECT host, event_type, events, spent, top, low, mean FROM per_host";
}

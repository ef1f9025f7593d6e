package io.lambdaflow.serving;

import static io.lambdaflow.serving.LambdaContract.text;
import static io.lambdaflow.testkit.GameEvents.PER_HOST_SQL;
import static io.lambdaflow.testkit.GameEvents.PURCHASES_SQL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.speed.RunningPipeline;
import io.lambdaflow.speed.SpeedLayer;
import io.lambdaflow.testkit.GameEvents;
import io.lambdaflow.testkit.TestServices;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query sandbox under attack: generated queries (statement stacking, comments and literals in
 * every combination, writes, settings, file functions, huge literals) against {@code POST /query}
 * of both engines. Nothing may write, nothing outside the views may be read, the server stays
 * healthy. {@code -Dlambda.fuzz.queries=N} (DuckDB, 10,000), {@code -Dlambda.fuzz.spark-queries=N}
 * (the first N of them for Spark SQL, 3,000) and {@code -Dlambda.fuzz.seed=S} change the run.
 */
@ExtendWith(TestServices.class)
class QuerySandboxTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String REPRODUCTION =
      "SELECT '--'; COMMIT; INSERT INTO __lambda_b_purchases_1 SELECT * FROM"
          + " __lambda_b_purchases_1; SELECT 1";

  private static EmbeddedKafka kafka;
  private static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start(EmbeddedKafka broker, SparkSession session) {
    kafka = broker;
    spark = session;
  }

  private Pipeline servedPipeline(String topic) throws Exception {
    return servedPipeline(topic, Map.of());
  }

  private Pipeline servedPipeline(String topic, Map<String, String> settings) throws Exception {
    Map<String, String> overrides = new java.util.HashMap<>(settings);
    overrides.putIfAbsent("serving.query-timeout", "1 second");
    overrides.put("metastore.enabled", "false");
    Pipeline pipeline =
        LambdaContract.pipeline(
            GameEvents.hocon(kafka.bootstrapServers(), topic, dir.resolve("store")), overrides);
    kafka.createTopic(topic, 1);
    Random random = new Random(7);
    GameEvents.produce(kafka.bootstrapServers(), topic, GameEvents.events(random, 0, 60));
    new BatchLayer(spark).run(pipeline);
    GameEvents.produce(kafka.bootstrapServers(), topic, GameEvents.events(random, 60, 20));
    try (RunningPipeline running = new SpeedLayer(spark).start(pipeline)) {
      running.awaitTermination();
    }
    return pipeline;
  }

  @Test
  void generatedAttacksNeitherWriteNorReadOutsideTheViews() throws Exception {
    Pipeline pipeline = servedPipeline("fuzz");
    String canary = "lambda-canary-" + UUID.randomUUID();
    Path canaryFile = dir.resolve("store").resolve("canary.csv");
    Files.writeString(canaryFile, "secret\n" + canary + "\n");
    Path escape = dir.resolve("escape");
    int count = Integer.getInteger("lambda.fuzz.queries", 10_000);
    int sparkCount = Integer.getInteger("lambda.fuzz.spark-queries", 3_000);
    long seed = Long.getLong("lambda.fuzz.seed", 42L);
    List<String> queries =
        new QueryFuzzer(new Random(seed), dir.resolve("store"), canaryFile, escape).queries(count);
    queries.set(0, REPRODUCTION);

    try (ServingLayer duck =
            ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration());
        ServingLayer sparkSql = ServingLayer.withSpark(pipeline, spark)) {
      for (ServingLayer serving : List.of(duck, sparkSql)) {
        serving.refresh();
        List<String> purchases = text(serving.query(PURCHASES_SQL));
        List<String> perHost = text(serving.query(PER_HOST_SQL));
        List<String> relations = relations(serving);
        Map<String, Long> files = files(dir);
        int served = 0;
        try (HttpApi api = HttpApi.start(serving, "127.0.0.1", 0)) {
          // Spark's engine plans each query at several milliseconds: fewer of the same queries.
          int run = serving == duck ? queries.size() : Math.min(queries.size(), sparkCount);
          for (int i = 0; i < run; i++) {
            String query = queries.get(i);
            String context = serving.engine().name() + " query " + i + ": " + abbreviate(query);
            HttpResponse<String> answer;
            try {
              answer = post(api, query);
            } catch (java.net.http.HttpTimeoutException e) {
              throw new AssertionError("no answer within 30 s to " + context, e);
            }
            assertThat(answer.statusCode()).as(context + " -> " + answer.body()).isIn(200, 400);
            assertThat(answer.body()).as(context).doesNotContain(canary).doesNotContain("root:x:");
            served += answer.statusCode() == 200 ? 1 : 0;
            if (i % 1000 == 999) {
              assertThat(get(api, "/health").statusCode()).as(context).isEqualTo(200);
            }
          }
          assertThat(JSON.readTree(post(api, REPRODUCTION).body()).path("error").asText())
              .isEqualTo(
                  serving.engine().name().equals("duckdb")
                      ? "only read-only queries are served (SELECT ..., WITH ... SELECT ...): this"
                          + " text holds a statement that is not a query"
                      : "[PARSE_SYNTAX_ERROR] Syntax error at or near 'COMMIT': extra input"
                          + " 'COMMIT'.(line 1, pos 13)");
        }
        assertThat(served).as("some generated queries are plain reads").isGreaterThan(100);
        assertThat(text(serving.query(PURCHASES_SQL))).isEqualTo(purchases);
        assertThat(text(serving.query(PER_HOST_SQL))).isEqualTo(perHost);
        assertThat(relations(serving)).isEqualTo(relations);
        assertThat(files(dir)).as("no file written, changed or removed").isEqualTo(files);
      }
    }
  }

  @Test
  void healthAnswersWithinAMomentWhileSlowClientsAndAnOverlongQueryRun() throws Exception {
    Pipeline pipeline = servedPipeline("limits");
    List<Socket> slowClients = new ArrayList<>();
    try (ServingLayer serving =
            ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration());
        HttpApi api = HttpApi.start(serving, "127.0.0.1", 0)) {
      serving.refresh();
      for (int i = 0; i < 20; i++) {
        Socket socket = new Socket("127.0.0.1", api.port());
        socket
            .getOutputStream()
            .write(
                "POST /query HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nSELECT"
                    .getBytes(StandardCharsets.US_ASCII));
        slowClients.add(socket);
      }
      CompletableFuture<HttpResponse<String>> overlong =
          CLIENT.sendAsync(
              HttpRequest.newBuilder(URI.create(api.url() + "/query"))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "SELECT COUNT(*) FROM range(1000000000000) a"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(get(api, "/health").statusCode()).isEqualTo(200); // a warm connection
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        HttpResponse<String> health = get(api, "/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(100));
      }
      HttpResponse<String> cancelled = overlong.get();
      assertThat(cancelled.statusCode()).isEqualTo(400);
      assertThat(JSON.readTree(cancelled.body()).path("error").asText())
          .isEqualTo("the query ran longer than 1 s (serving.query-timeout) and was cancelled");
      assertThat(post(api, "SELECT COUNT(*) AS n FROM purchases").statusCode()).isEqualTo(200);
    } finally {
      for (Socket socket : slowClients) {
        socket.close();
      }
    }
  }

  @Test
  void rowsAreCappedAsTheyAreProduced() throws Exception {
    Pipeline pipeline = servedPipeline("cap");
    try (ServingLayer serving =
        ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())) {
      serving.refresh();
      QueryResult result = serving.query("SELECT i, repeat('x', 1000) FROM range(100000000) t(i)");
      assertThat(result.rows()).hasSize(10_000);
      assertThat(result.truncated()).isTrue();
    }
  }

  @Test
  void aQueryPastTheMemoryLimitFailsAloneAndServingGoesOn() throws Exception {
    Pipeline pipeline =
        servedPipeline(
            "memory", Map.of("serving.memory-limit", "64MB", "serving.query-timeout", "1 minute"));
    try (ServingLayer serving =
        ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())) {
      serving.refresh();
      List<String> before = text(serving.query("SELECT COUNT(*) AS n FROM purchases"));
      assertThat(before).singleElement().asString().matches("[1-9]\\d*");
      assertThatThrownBy(
              () ->
                  serving.query(
                      "SELECT length(string_agg(repeat('x', 1000), '')) FROM range(1000000)"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Out of Memory Error: ");
      assertThat(text(serving.query("SELECT COUNT(*) AS n FROM purchases"))).isEqualTo(before);
    }
  }

  private static List<String> relations(ServingLayer serving) {
    String sql =
        serving.engine().name().equals("duckdb")
            ? "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM"
                + " duckdb_views() WHERE NOT internal"
            : "SHOW TABLES";
    return text(serving.engine().query(sql, List.of(), 10_000, Duration.ofMinutes(1)));
  }

  private static Map<String, Long> files(Path root) throws IOException {
    Map<String, Long> files = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(path).toString(), Files.size(path));
      }
    }
    return files;
  }

  private static String abbreviate(String query) {
    return query.length() > 300 ? query.substring(0, 300) + "..." : query;
  }

  private static HttpResponse<String> post(HttpApi api, String sql) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create(api.url() + "/query"))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(sql))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(HttpApi api, String path) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create(api.url() + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Queries built from attacks, benign reads, stacking, comments, literals and case changes. */
  private record QueryFuzzer(Random random, Path root, Path canary, Path escape) {
    private static final List<String> PREFIXES =
        List.of(
            "",
            "",
            "",
            "SELECT '--'; ",
            "SELECT '/*'; ",
            "SELECT 1; ",
            "/* c */ ",
            "-- c\n",
            "SELECT ';'; ",
            "SELECT $$;$$; ",
            "SELECT \"--\" FROM purchases; ",
            "SELECT '''--'; ");
    private static final List<String> SUFFIXES =
        List.of(
            "",
            "",
            "",
            ";",
            "; SELECT 1",
            " -- tail",
            " /* open",
            "';",
            "'*/",
            "\n;;",
            "; COMMIT",
            "; DROP VIEW purchases");

    List<String> queries(int count) {
      List<String> queries = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        queries.add(query());
      }
      return queries;
    }

    private String query() {
      int kind = random.nextInt(50); // huge literals are rare: Spark takes seconds to parse one
      String core =
          switch (kind) {
            case 0 -> hugeLiteral();
            case 1, 2, 3, 4, 5 -> "SELECT '" + pick(attacks()).replace("'", "''") + "' AS text";
            case 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 -> pick(reads());
            default -> pick(attacks());
          };
      String query = pick(PREFIXES) + mutate(core) + pick(SUFFIXES);
      return random.nextInt(4) == 0 ? query.toUpperCase(Locale.ROOT) : query;
    }

    private String hugeLiteral() {
      int size = 1_000 + random.nextInt(100_000);
      String filler = pick(List.of("x", "'", "--", "/*", "\\", ";"));
      String body = filler.repeat(size / filler.length());
      return "SELECT '" + body.replace("'", "''") + "' AS big" + pick(List.of("", "'", " --"));
    }

    /** Comments or line breaks between a few tokens. */
    private String mutate(String core) {
      String[] tokens = core.split(" ");
      StringBuilder out = new StringBuilder(tokens[0]);
      for (int i = 1; i < tokens.length; i++) {
        out.append(pick(List.of(" ", " ", " ", "/**/", " -- x\n", "\n", "\t")));
        out.append(tokens[i]);
      }
      return out.toString();
    }

    private List<String> reads() {
      return List.of(
          "SELECT COUNT(*) AS n FROM purchases",
          "SELECT host, SUM(events) AS n FROM per_host GROUP BY host",
          "WITH a AS (SELECT * FROM purchases) SELECT COUNT(*) FROM a",
          "SELECT * FROM purchases__batch LIMIT 3",
          "SELECT '--' AS a, '/*' AS b, '*/' AS c",
          "SELECT 1 AS one",
          "SELECT * FROM per_host__speed WHERE host <> ';'");
    }

    private List<String> attacks() {
      String store = root.toString();
      String file = canary.toString();
      String out = escape.toString();
      return List.of(
          "COMMIT",
          "ROLLBACK",
          "BEGIN TRANSACTION",
          "INSERT INTO __lambda_b_purchases_1 SELECT * FROM __lambda_b_purchases_1",
          "INSERT INTO purchases SELECT * FROM purchases",
          "DELETE FROM per_host",
          "UPDATE per_host SET events = 0",
          "CREATE TABLE evil AS SELECT 1",
          "CREATE VIEW evil AS SELECT 1",
          "CREATE TEMPORARY VIEW evil AS SELECT * FROM csv.`" + file + "`",
          "DROP VIEW purchases",
          "DROP TABLE __lambda_b_purchases_1",
          "ALTER VIEW purchases RENAME TO p",
          "ATTACH '" + out + ".db' AS evil",
          "DETACH memory",
          "COPY purchases TO '" + out + ".csv'",
          "COPY (SELECT 1) TO '" + out + ".parquet' (FORMAT parquet)",
          "EXPORT DATABASE '" + out + "'",
          "PRAGMA database_list",
          "PRAGMA enable_profiling",
          "SET threads = 1",
          "SET enable_external_access = true",
          "RESET lock_configuration",
          "INSTALL httpfs",
          "LOAD httpfs",
          "CHECKPOINT",
          "VACUUM",
          "USE system",
          "CALL pragma_version()",
          "SELECT * FROM glob('" + store + "/**')",
          "SELECT * FROM read_csv('" + file + "')",
          "SELECT * FROM read_text('" + file + "')",
          "SELECT * FROM read_blob('" + file + "')",
          "SELECT * FROM read_parquet('" + store + "/**/*.parquet')",
          "SELECT * FROM '" + file + "'",
          "FROM '" + file + "'",
          "SELECT * FROM parquet.`" + store + "`",
          "SELECT * FROM csv.`" + file + "`",
          "SELECT * FROM text.`" + file + "`",
          "SELECT * FROM __lambda_b_purchases_1",
          "SELECT * FROM __lambda_horizon_1",
          "SELECT * FROM duckdb_tables()",
          "SELECT * FROM system.main.duckdb_settings()",
          "SELECT * FROM query('SELECT * FROM read_csv(''" + file + "'')')",
          "SELECT * FROM query_table('__lambda_b_purchases_1')",
          "SELECT * FROM (WITH __lambda_b_purchases_1 AS (SELECT 1) SELECT 1), __lambda_b_purchases_1",
          "SELECT reflect('java.lang.System', 'getProperty', 'user.home')",
          "SELECT java_method('java.lang.System', 'getenv', 'HOME')",
          "SET spark.sql.files.ignoreCorruptFiles=true",
          "CACHE TABLE purchases",
          "ADD JAR '" + file + "'",
          "WITH x AS (SELECT 1) INSERT INTO purchases SELECT * FROM x",
          "SELECT * FROM purchases WHERE host IN (SELECT * FROM read_csv('" + file + "'))",
          "SELECT (SELECT COUNT(*) FROM glob('" + store + "/**')) AS files");
    }

    private <T> T pick(List<T> items) {
      return items.get(random.nextInt(items.size()));
    }
  }
}

package io.lambdaflow.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.cli.Launcher;
import io.lambdaflow.testkit.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * conf/quickstart.conf as a specification: 1,000 game events of which 57 are malformed or lack an
 * event type (numbers computed independently from the data file).
 */
class QuickstartTest {
  private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();

  @TempDir Path storage;

  @Test
  void purchasesPerHostAndDeadLetters() {
    TestSpark.session();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
    int status;
    try {
      status =
          new Launcher(
                  new PrintStream(out, true, StandardCharsets.UTF_8),
                  new PrintStream(err, true, StandardCharsets.UTF_8))
              .run(
                  new String[] {
                    "batch",
                    ROOT.resolve("conf/quickstart.conf").toString(),
                    "-Dstorage-root=" + storage,
                    "-Dsources.events.path=" + ROOT.resolve("examples/quickstart/data/game-events")
                  });
    } finally {
      System.setOut(original);
    }

    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(console.toString(StandardCharsets.UTF_8))
        .contains("sink counts_console:")
        .contains("|user1.comcast.com|purchase_sword  |63    |");
    assertThat(printed)
        .contains("records in           1,000  (events: 1,000)")
        .contains("dead letters            57  (files sink)");

    Dataset<Row> purchases =
        TestSpark.session().read().parquet(storage.resolve("purchases").toString());
    Map<String, Long> perHost =
        purchases.groupBy("host").count().collectAsList().stream()
            .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
    assertThat(perHost)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "user1.comcast.com", 86L,
                "user2.att.com", 101L,
                "user3.verizon.net", 81L,
                "user4.comcast.com", 65L));
    assertThat(purchases.columns())
        .containsExactlyInAnyOrder(
            "event_type", "host", "user_agent", "accept", "timestamp", "amount", "date");
    assertThat(storage.resolve("purchases/date=2026-11-20")).isDirectory();

    long deadLetters =
        TestSpark.session().read().json(storage.resolve("dead-letters").toString()).count();
    assertThat(deadLetters).isEqualTo(57);
  }
}

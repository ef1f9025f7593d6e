package io.lambdaflow.examples.wordcount;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.cli.Launcher;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.testkit.TestServices;
import io.lambdaflow.testkit.TestSpark;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * conf/wordcount.conf as a specification: the seed's five lines, typed into Kafka's own console
 * producer, give the seed's counts in the speed layer and in the batch layer.
 */
@ExtendWith(TestServices.class)
class WordCountTest {
  private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
  private static final List<String> SEED_LINES =
      List.of(
          "Apache Spark Streaming computing",
          "Apache Spark Streaming computing",
          "Apache Spark Streaming computing",
          "Apache Spark Streaming",
          "Apache Streaming computing");
  private static final Map<String, Long> SEED_COUNTS =
      Map.of("Apache", 5L, "Spark", 4L, "Streaming", 5L, "computing", 4L);

  private static EmbeddedKafka kafka;

  @TempDir Path storage;

  @BeforeAll
  static void broker(EmbeddedKafka broker) throws Exception {
    kafka = broker;
    kafka.createTopic("lines", 1);
    consoleProducer(SEED_LINES);
    TestSpark.session();
  }

  /** Kafka's own console producer, in its own JVM, reading the lines from standard input. */
  private static void consoleProducer(List<String> lines) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(a -> a.startsWith("--add-opens"))
            .toList());
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "kafka.tools.ConsoleProducer",
            "--bootstrap-server",
            kafka.bootstrapServers(),
            "--topic",
            "lines"));
    Process producer = new ProcessBuilder(command).redirectErrorStream(true).start();
    producer
        .getOutputStream()
        .write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    producer.getOutputStream().close();
    String output = new String(producer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(producer.waitFor(2, TimeUnit.MINUTES)).as("console producer exits").isTrue();
    assertThat(producer.exitValue()).as(output).isZero();
  }

  private int lambda(String verb, String... overrides) {
    List<String> args =
        new ArrayList<>(
            List.of(
                verb,
                ROOT.resolve("conf/wordcount.conf").toString(),
                "-Dstorage-root=" + storage,
                "-Dsources.lines.bootstrap-servers=" + kafka.bootstrapServers()));
    args.addAll(List.of(overrides));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        new Launcher(
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8))
            .run(args.toArray(String[]::new));
    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    return status;
  }

  private Map<String, Long> counts() {
    return TestSpark.session()
        .read()
        .json(storage.resolve("counts").toString())
        .collectAsList()
        .stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("word"), r -> r.<Long>getAs("count")));
  }

  @Test
  void speedLayerCountsTheSeedLines() {
    lambda("speed", "-Dspeed.trigger=available-now");
    assertThat(counts()).isEqualTo(SEED_COUNTS);
  }

  @Test
  void batchLayerCountsTheSameLines() {
    lambda("batch");
    assertThat(counts()).isEqualTo(SEED_COUNTS);
  }
}

package io.lambdaflow.speed;

import static io.lambdaflow.testkit.TestPipelines.loader;
import static io.lambdaflow.testkit.TestPipelines.quoted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.testkit.TestKafka;
import io.lambdaflow.testkit.TestServices;
import io.lambdaflow.testkit.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A speed view whose job fails (Spark throws its checked SparkException) fails the micro-batch: the
 * query stops with the cause, and no micro-batch of that view is committed.
 */
@ExtendWith(TestServices.class)
class ViewFailureTest {
  private static EmbeddedKafka kafka;

  @TempDir Path dir;

  @BeforeAll
  static void broker(EmbeddedKafka broker) {
    kafka = broker;
    TestSpark.session();
  }

  /** The failing view first or second of two; written by the driver or by Spark's tasks. */
  @ParameterizedTest(name = "failing view {0}, speed.driver-write-limit = {1}")
  @CsvSource({"a_fails, 100000", "z_fails, 100000", "a_fails, 0", "z_fails, 0"})
  void aViewWhoseJobFailsFailsTheMicroBatch(String failing, int driverWriteLimit) throws Exception {
    String topic = "view_failure_" + failing + "_" + driverWriteLimit;
    kafka.createTopic(topic, 2);
    List<String> events = new ArrayList<>();
    for (int n = 0; n < 20; n++) {
      events.add("{\"n\":" + n + ",\"host\":\"h" + (n % 3) + "\"}");
    }
    TestKafka.produce(kafka.bootstrapServers(), topic, events);
    String other = failing.equals("a_fails") ? "z_fine" : "a_fine";
    Pipeline pipeline =
        loader()
            .parse(
                "name = failing_views\nlayers = [batch, speed]\nstorage-root = "
                    + quoted(dir.resolve("root"))
                    + "\nspeed.trigger = available-now\nspeed.restart.attempts = 0\n"
                    + "metastore.enabled = false\n"
                    + "sources.events { type = kafka, bootstrap-servers = \""
                    + kafka.bootstrapServers()
                    + "\", topic = "
                    + topic
                    + ", value-format = json, schema = \"n BIGINT, host STRING\" }\n"
                    + "views {\n"
                    + "  "
                    + other
                    + " { type = aggregate, group-by = [host], measures { events = count } }\n"
                    + "  "
                    + failing
                    + " { type = append, columns = [n, host],"
                    + " filter = \"assert_true(n < 15, 'n is 15 or more') IS NULL\" }\n"
                    + "}\n",
                "views.conf",
                Map.of("speed.driver-write-limit", String.valueOf(driverWriteLimit)),
                Set.of(ExecutionMode.BATCH, ExecutionMode.STREAMING));

    try (RunningPipeline running = new SpeedLayer(TestSpark.session()).start(pipeline)) {
      assertThatThrownBy(running::awaitTermination).hasStackTraceContaining("n is 15 or more");
    }
    assertThat(committed(failing)).isEmpty();
  }

  /** The micro-batch folders committed for {@code view}'s speed view. */
  private List<Path> committed(String view) throws Exception {
    List<Path> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir.resolve("root"))) {
      files
          .filter(p -> p.getFileName().toString().startsWith("batch="))
          .filter(p -> p.toString().contains("/" + view + "/"))
          .forEach(found::add);
    }
    return found;
  }
}

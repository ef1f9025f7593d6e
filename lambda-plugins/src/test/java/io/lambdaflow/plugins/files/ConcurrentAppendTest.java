package io.lambdaflow.plugins.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.WriteContext;
import io.lambdaflow.testkit.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Appends to one folder at the same time, as the batch layer and the speed layer do to the dead
 * letters: Spark's commit protocol stages every job of an application in the same {@code
 * _temporary/0}, so one job's commit deleted another's files mid-write.
 */
class ConcurrentAppendTest {
  @TempDir Path dir;

  @Test
  void concurrentAppendsToOneFolderKeepEveryRow() throws Exception {
    SparkSession spark = TestSpark.session();
    Path out = dir.resolve("dead-letters");
    FileSink sink = new FileSink(out.toString(), "json", "append", List.of(), Map.of());
    ExecutorService writers = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> writes = new ArrayList<>();
      for (int job = 0; job < 16; job++) {
        long from = job * 100L;
        writes.add(
            writers.submit(
                () ->
                    sink.writeBatch(
                        spark.range(from, from + 100).toDF("id").repartition(2),
                        new WriteContext(spark, "dead_letters", ExecutionMode.BATCH))));
      }
      for (Future<?> write : writes) {
        write.get();
      }
    } finally {
      writers.shutdownNow();
    }
    var rows = spark.read().schema("id LONG").json(out.toString());
    assertThat(rows.count()).isEqualTo(1600);
    assertThat(rows.distinct().count()).isEqualTo(1600);
    try (Stream<Path> left = Files.list(out)) {
      assertThat(
              left.map(p -> p.getFileName().toString())
                  .filter(n -> n.startsWith("_") && !n.equals("_SUCCESS")))
          .as("no staging folder left behind")
          .isEmpty();
    }
  }
}

package io.lambdaflow.plugins;

import static io.lambdaflow.testkit.TestPipelines.batch;
import static io.lambdaflow.testkit.TestPipelines.deadLetters;
import static io.lambdaflow.testkit.TestPipelines.quoted;
import static io.lambdaflow.testkit.TestPipelines.rows;
import static io.lambdaflow.testkit.TestPipelines.writeLines;
import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.plugins.files.LineOffsets;
import io.lambdaflow.testkit.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lines read with the byte offsets where they start, across file splits: a line that crosses a
 * split is read once, by the split it starts in, and its dead letter names file and offset.
 */
class LineOffsetsTest {
  private static final String SPLIT = "spark.sql.files.maxPartitionBytes";
  private static final int LINES = 3_000;

  @TempDir Path dir;
  private String splitBefore;
  private final Map<Long, String> byOffset = new TreeMap<>();
  private Path file;

  @BeforeEach
  void smallSplits() {
    splitBefore = TestSpark.session().conf().get(SPLIT);
    TestSpark.session().conf().set(SPLIT, "8192");
    List<String> lines = new ArrayList<>();
    long offset = 0;
    for (int i = 0; i < LINES; i++) {
      // every 50th line has trailing garbage; lengths vary so splits cut lines anywhere
      String line =
          "{\"n\":" + i + ",\"pad\":\"" + "x".repeat(i % 37) + "\"}" + (i % 50 == 7 ? "}" : "");
      lines.add(line);
      byOffset.put(offset, line);
      offset += line.getBytes(StandardCharsets.UTF_8).length + 1;
    }
    file = writeLines(dir.resolve("in/events.jsonl"), lines);
  }

  @AfterEach
  void restoreSplits() {
    TestSpark.session().conf().set(SPLIT, splitBefore);
  }

  @Test
  void everyLineOnceWithTheOffsetItStartsAt() {
    SparkSession spark = TestSpark.session();
    Dataset<Row> read =
        spark
            .read()
            .format(LineOffsets.class.getName())
            .schema(LineOffsets.SCHEMA)
            .load(file.toString());
    assertThat(read.rdd().getNumPartitions()).isGreaterThan(4);
    Map<Long, String> got = new TreeMap<>();
    for (Row row : read.collectAsList()) {
      assertThat(got.put(row.getLong(1), row.getString(0))).isNull();
    }
    assertThat(got).isEqualTo(byOffset);
    assertThat(read.select(LineOffsets.OFFSET).count()).isEqualTo(LINES);
  }

  @Test
  void streamsReadLinesWithOffsetsAndPartitionFolders() throws Exception {
    Path day = dir.resolve("stream/date=2026-12-01/part-0.txt");
    writeLines(day, List.of("first", "", "third line"));
    StreamingQuery query =
        TestSpark.session()
            .readStream()
            .format(LineOffsets.class.getName())
            .schema(LineOffsets.SCHEMA)
            .load(dir.resolve("stream").toString())
            .writeStream()
            .format("memory")
            .queryName("line_offsets")
            .trigger(Trigger.AvailableNow())
            .start();
    try {
      query.awaitTermination();
    } finally {
      query.stop();
    }
    assertThat(
            TestSpark.session().table("line_offsets").orderBy(LineOffsets.OFFSET).collectAsList())
        .extracting(Row::toString)
        .containsExactly("[first,0,2026-12-01]", "[,6,2026-12-01]", "[third line,7,2026-12-01]");
  }

  @Test
  void deadLettersOfASplitFileNameTheirLines() {
    Pipeline pipeline =
        batch(
            "layers = [batch]\nsources { e { type = files, format = json, path = "
                + quoted(file.getParent())
                + ", schema = \"n INT, pad STRING\" } }\nsinks { out { type = console } }");
    assertThat(rows(pipeline, "out")).hasSize(LINES - LINES / 50);
    List<String> expected = new ArrayList<>();
    byOffset.forEach(
        (offset, line) -> {
          if (line.endsWith("}}")) {
            expected.add("events.jsonl@" + offset + " " + line);
          }
        });
    assertThat(deadLetters(pipeline))
        .extracting(
            r ->
                r.<String>getAs("position").replaceFirst(".*/in/", "")
                    + " "
                    + r.<String>getAs("raw"))
        .containsExactlyInAnyOrderElementsOf(expected);
  }
}

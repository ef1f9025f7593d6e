package io.lambdaflow.batch;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdaflow.pipeline.ExpectationCounts;
import io.lambdaflow.pipeline.PipelineRunException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a batch run did: records read per source, written per sink, and rejected.
 *
 * @param pipeline the pipeline's name
 * @param runId this run's identifier, also the folder of its summary under the storage root
 * @param startedAt when the run started
 * @param duration how long it took
 * @param recordsIn records read, by source ({@link #UNKNOWN} when the source reported none)
 * @param recordsOut records written, by sink ({@link #UNKNOWN} for a sink that runs its own Spark
 *     job and so reports no count)
 * @param deadLetters records sent to the dead-letter sink
 * @param deadLetterSink the dead-letter sink's type
 * @param published for pipelines with views: the run number this run published (0 when it found
 *     nothing new and published nothing)
 * @param viewRows for pipelines with views: the rows of each batch view as published
 * @param expectations the records that failed each data-quality expectation of the pipeline
 * @param dropped the records its {@code drop} expectations left out
 * @param deadLettersByStage the dead letters per stage (source, transform, view, or the sink whose
 *     destination refused them)
 */
public record RunSummary(
    String pipeline,
    String runId,
    Instant startedAt,
    Duration duration,
    Map<String, Long> recordsIn,
    Map<String, Long> recordsOut,
    long deadLetters,
    String deadLetterSink,
    long published,
    Map<String, Long> viewRows,
    List<ExpectationCounts.Count> expectations,
    long dropped,
    Map<String, Long> deadLettersByStage) {

  /** A count Spark did not report. */
  public static final long UNKNOWN = -1;

  /** A summary of a run of a pipeline without expectations. */
  public RunSummary(
      String pipeline,
      String runId,
      Instant startedAt,
      Duration duration,
      Map<String, Long> recordsIn,
      Map<String, Long> recordsOut,
      long deadLetters,
      String deadLetterSink,
      long published,
      Map<String, Long> viewRows) {
    this(
        pipeline,
        runId,
        startedAt,
        duration,
        recordsIn,
        recordsOut,
        deadLetters,
        deadLetterSink,
        published,
        viewRows,
        List.of(),
        0,
        Map.of());
  }

  public RunSummary {
    requireNonNull(pipeline, "pipeline is null");
    requireNonNull(runId, "runId is null");
    requireNonNull(startedAt, "startedAt is null");
    requireNonNull(duration, "duration is null");
    recordsIn = Map.copyOf(recordsIn);
    recordsOut = Map.copyOf(recordsOut);
    requireNonNull(deadLetterSink, "deadLetterSink is null");
    viewRows = Map.copyOf(viewRows);
    expectations = List.copyOf(expectations);
    deadLettersByStage =
        java.util.Collections.unmodifiableMap(new LinkedHashMap<>(deadLettersByStage));
  }

  /** Records read by all sources; {@link #UNKNOWN} if any source's count is unknown. */
  public long totalIn() {
    return total(recordsIn);
  }

  /** Records written to all sinks; {@link #UNKNOWN} if any sink's count is unknown. */
  public long totalOut() {
    return total(recordsOut);
  }

  private static long total(Map<String, Long> counts) {
    return counts.containsValue(UNKNOWN)
        ? UNKNOWN
        : counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Records neither written, rejected nor dropped by an expectation: dropped on purpose by a
   * filter, merged by a dedupe or an aggregation. Only meaningful for one source and one sink;
   * multiplied by explode.
   */
  public long filteredOut() {
    return totalIn() - totalOut() - leftPipeline() - dropped;
  }

  /**
   * Dead letters of views' expectations: records kept out of one view only (they still reached the
   * sinks), so not part of {@code in = out + dead letters + ...}.
   */
  public long viewDeadLetters() {
    return viewRows.keySet().stream().mapToLong(v -> deadLettersByStage.getOrDefault(v, 0L)).sum();
  }

  private long leftPipeline() {
    return deadLetters - viewDeadLetters();
  }

  /** The summary as printed at the end of a run. */
  public String render() {
    StringBuilder text = new StringBuilder();
    text.append(
        String.format(
            Locale.ROOT,
            "batch run %s of pipeline '%s' finished in %.1f s%n",
            runId,
            pipeline,
            duration.toMillis() / 1000.0));
    text.append(
        String.format(
            Locale.ROOT, "  records in    %12s  %s%n", count(totalIn()), detail(recordsIn)));
    // Rows of different sinks do not add up to anything (a record may reach several sinks, and a
    // sink may get aggregates): several sinks are counted each on its own.
    text.append(
        String.format(
            Locale.ROOT,
            "  records out   %12s  %s%n",
            recordsOut.size() <= 1 ? count(totalOut()) : "per sink",
            detail(recordsOut)));
    text.append(
        String.format(
            Locale.ROOT, "  dead letters  %,12d  (%s sink)%n", deadLetters, deadLetterSink));
    if (!expectations.isEmpty()) {
      text.append(
          String.format(
              Locale.ROOT,
              "  expectations  %s%n",
              expectations.stream()
                  .map(ExpectationCounts.Count::render)
                  .collect(Collectors.joining(", "))));
      text.append(
          String.format(Locale.ROOT, "  dropped       %,12d  (by expectations)%n", dropped));
    }
    if (!viewRows.isEmpty()) {
      text.append(
          published == 0
              ? String.format(
                  Locale.ROOT, "  views         nothing new: published views unchanged%n")
              : String.format(
                  Locale.ROOT,
                  "  views         published as run %d  %s%n",
                  published,
                  detail(viewRows)));
    }
    if (recordsIn.size() == 1
        && recordsOut.size() == 1
        && totalIn() != UNKNOWN
        && totalOut() != UNKNOWN) {
      text.append(String.format(Locale.ROOT, "  filtered out  %,12d%n", filteredOut()));
      text.append(
          expectations.isEmpty()
              ? String.format(
                  Locale.ROOT,
                  "  in = out + dead letters + filtered out: %,d = %,d + %,d + %,d%n",
                  totalIn(),
                  totalOut(),
                  leftPipeline(),
                  filteredOut())
              : String.format(
                  Locale.ROOT,
                  "  in = out + dead letters + dropped + filtered out: %,d = %,d + %,d + %,d +"
                      + " %,d%n",
                  totalIn(),
                  totalOut(),
                  leftPipeline(),
                  dropped,
                  filteredOut()));
      if (viewDeadLetters() > 0) {
        text.append(
            String.format(
                Locale.ROOT,
                "  (and %,d dead letters of views' expectations, kept out of those views only)%n",
                viewDeadLetters()));
      }
    }
    return text.toString();
  }

  private static String count(long value) {
    return value == UNKNOWN ? "n/a" : String.format(Locale.ROOT, "%,d", value);
  }

  private static String detail(Map<String, Long> counts) {
    if (counts.isEmpty()) {
      return "(none)";
    }
    return counts.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(e -> e.getKey() + ": " + count(e.getValue()))
        .collect(Collectors.joining(", ", "(", ")"));
  }

  /** Writes this summary as {@code runs/<run id>/summary.json} under {@code storageRoot}. */
  void save(String storageRoot, Configuration hadoop) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode node = json.createObjectNode();
    node.put("pipeline", pipeline());
    node.put("runId", runId());
    node.put("startedAt", startedAt().toString());
    node.put("durationMillis", duration().toMillis());
    node.set("recordsIn", json.valueToTree(recordsIn()));
    node.set("recordsOut", json.valueToTree(recordsOut()));
    node.put("deadLetters", deadLetters());
    node.set("deadLettersByStage", json.valueToTree(deadLettersByStage()));
    if (!expectations().isEmpty()) {
      node.set("expectations", json.valueToTree(expectations()));
      node.put("dropped", dropped());
    }
    if (!viewRows().isEmpty()) {
      node.put("published", published());
      node.set("viewRows", json.valueToTree(viewRows()));
    }
    Path file = new Path(storageRoot + "/runs/" + runId() + "/summary.json");
    try {
      FileSystem fs = file.getFileSystem(hadoop);
      try (OutputStream out = fs.create(file, true)) {
        out.write(
            json.writerWithDefaultPrettyPrinter()
                .writeValueAsString(node)
                .getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException | FSError e) {
      throw new PipelineRunException(
          "cannot write the run summary to " + file + ": " + PipelineRunException.firstLine(e), e);
    }
  }
}

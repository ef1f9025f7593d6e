package io.lambdaflow.batch;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelinePlanner;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.SinkNode;
import io.lambdaflow.pipeline.SourceNode;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.WriteContext;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a pipeline once over everything its sources hold now: reads, transforms, writes every sink
 * and the dead letters, and returns a {@link RunSummary} whose counts come from the same pass that
 * wrote the data (Spark observed metrics), not from re-reading it.
 */
public final class BatchLayer {
  private static final Logger LOG = LoggerFactory.getLogger(BatchLayer.class);
  private static final DateTimeFormatter RUN_ID =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final SparkSession spark;

  public BatchLayer(SparkSession spark) {
    this.spark = requireNonNull(spark, "spark is null");
  }

  /**
   * Runs {@code pipeline} once and writes its summary to {@code <storage-root>/runs/<run id>/}.
   *
   * @throws PipelineRunException naming the source, transform or sink that failed
   */
  public RunSummary run(Pipeline pipeline) {
    Instant started = Instant.now();
    String runId =
        RUN_ID.format(started)
            + "-"
            + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    LOG.info(
        "batch run {} of pipeline '{}' starting: {} source(s), {} transform(s), {} sink(s)",
        runId,
        pipeline.name(),
        pipeline.sources().size(),
        pipeline.transforms().size(),
        pipeline.sinks().size());

    Map<String, Observation> inputs = new LinkedHashMap<>();
    List<Dataset<Row>> reused = new ArrayList<>();
    PipelinePlanner.Hooks hooks =
        new PipelinePlanner.Hooks() {
          @Override
          public Dataset<Row> onSource(SourceNode source, Dataset<Row> data) {
            Observation observation = new Observation("lambda_in_" + source.name());
            inputs.put(source.name(), observation);
            return data.observe(observation, count(lit(1)).alias("records"));
          }

          @Override
          public Dataset<Row> reuse(Dataset<Row> data) {
            Dataset<Row> persisted = data.persist(StorageLevel.MEMORY_AND_DISK());
            reused.add(persisted);
            return persisted;
          }
        };
    try {
      PipelinePlanner.Plan plan = PipelinePlanner.plan(pipeline, spark, ExecutionMode.BATCH, hooks);
      Map<String, Observation> outputs = new LinkedHashMap<>();
      for (SinkNode sink : pipeline.sinks()) {
        outputs.put(sink.name(), write(sink, plan.sinkInputs().get(sink.name())));
      }
      Observation deadLetters =
          plan.deadLetters().map(letters -> write(pipeline.deadLetter(), letters)).orElse(null);

      RunSummary summary =
          new RunSummary(
              pipeline.name(),
              runId,
              started,
              Duration.between(started, Instant.now()),
              counts(inputs),
              counts(outputs),
              deadLetters == null ? 0 : recordsOf(deadLetters),
              pipeline.deadLetter().type());
      saveSummary(pipeline, summary);
      LOG.info(
          "batch run {} of pipeline '{}' done: {} in, {} out, {} dead letters",
          runId,
          pipeline.name(),
          summary.totalIn(),
          summary.totalOut(),
          summary.deadLetters());
      return summary;
    } finally {
      reused.forEach(Dataset::unpersist);
    }
  }

  private Observation write(SinkNode sink, Dataset<Row> data) {
    Observation observation = new Observation("lambda_out_" + sink.name());
    Dataset<Row> observed =
        PipelinePlanner.withoutMetadata(data).observe(observation, count(lit(1)).alias("records"));
    try {
      ((SupportsBatchWrite) sink.spec())
          .writeBatch(observed, new WriteContext(spark, sink.name(), ExecutionMode.BATCH));
    } catch (Exception e) { // Spark throws checked AnalysisException undeclared
      throw new PipelineRunException(
          "sink '"
              + sink.name()
              + "' (type "
              + sink.type()
              + ") failed: "
              + firstLine(e.getMessage()),
          e);
    }
    return observation;
  }

  private static Map<String, Long> counts(Map<String, Observation> observations) {
    Map<String, Long> counts = new LinkedHashMap<>();
    observations.forEach((name, observation) -> counts.put(name, recordsOf(observation)));
    return counts;
  }

  private static long recordsOf(Observation observation) {
    // Every observed dataset was written above, so the metrics exist; get waits for the listener.
    try {
      Object records = observation.getAsJava().get("records");
      return records == null ? 0 : ((Number) records).longValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while collecting run counts", e);
    }
  }

  private void saveSummary(Pipeline pipeline, RunSummary summary) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode node = json.createObjectNode();
    node.put("pipeline", summary.pipeline());
    node.put("runId", summary.runId());
    node.put("startedAt", summary.startedAt().toString());
    node.put("durationMillis", summary.duration().toMillis());
    node.set("recordsIn", json.valueToTree(summary.recordsIn()));
    node.set("recordsOut", json.valueToTree(summary.recordsOut()));
    node.put("deadLetters", summary.deadLetters());
    Path file = new Path(pipeline.storageRoot() + "/runs/" + summary.runId() + "/summary.json");
    try {
      FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (OutputStream out = fs.create(file, true)) {
        out.write(
            json.writerWithDefaultPrettyPrinter()
                .writeValueAsString(node)
                .getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new PipelineRunException(
          "cannot write the run summary to " + file + ": " + e.getMessage(), e);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    String trimmed = message.strip();
    int newline = trimmed.indexOf('\n');
    return newline < 0 ? trimmed : trimmed.substring(0, newline);
  }
}

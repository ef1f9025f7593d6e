package io.lambdaflow.batch;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import io.lambdaflow.pipeline.DeadLetterStages;
import io.lambdaflow.pipeline.ExpectationCounts;
import io.lambdaflow.pipeline.JobThreads;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelinePlanner;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.SinkNode;
import io.lambdaflow.pipeline.SinkRejections;
import io.lambdaflow.pipeline.SourceNode;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.ReadContext;
import io.lambdaflow.spi.Rejections;
import io.lambdaflow.spi.SupportsBatchRead;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.WriteContext;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.hadoop.fs.FSError;
import org.apache.spark.sql.Dataset;
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

  static final String DEAD_LETTERS = "lambda_dead_letters";

  /** How long to wait for Spark's listener bus to deliver a finished action's counts. */
  static final Duration PATIENCE = Duration.ofSeconds(5);

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
    return run(pipeline, RunOptions.DEFAULT);
  }

  /**
   * Runs {@code pipeline} once. A pipeline with views runs under the lambda contract (see {@link
   * ContractRun}): new data since the last horizon goes to the master dataset, and the batch views
   * are recomputed and published with the new horizon.
   */
  public RunSummary run(Pipeline pipeline, RunOptions options) {
    try (RunProgress progress = new RunProgress(spark, "of pipeline '" + pipeline.name() + "'")) {
      return pipeline.hasViews()
          ? new ContractRun(this, spark, pipeline, options).run()
          : runOnce(pipeline, options);
    }
  }

  /** A run of a pipeline without views: every source whole, every sink written. */
  private RunSummary runOnce(Pipeline pipeline, RunOptions options) {
    if (options.recompute()) {
      throw new PipelineRunException(
          "pipeline '"
              + pipeline.name()
              + "' declares no views, so there is nothing to recompute: --recompute rebuilds the"
              + " batch views from the master dataset",
          null);
    }
    Instant started = Instant.now();
    String runId = newRunId(started);
    LOG.info(
        "batch run {} of pipeline '{}' starting: {} source(s), {} transform(s), {} sink(s)",
        runId,
        pipeline.name(),
        pipeline.sources().size(),
        pipeline.transforms().size(),
        pipeline.sinksIn(ExecutionMode.BATCH).size());

    List<Dataset<Row>> reused = new ArrayList<>();
    boolean cache = cachesDecoded(pipeline);
    PipelinePlanner.Hooks hooks =
        new PipelinePlanner.Hooks() {
          @Override
          public Dataset<Row> onSource(SourceNode source, Dataset<Row> data) {
            return data.observe(inputMetric(source.name()), count(lit(1)).alias("records"));
          }

          @Override
          public Dataset<Row> reuse(Dataset<Row> data) {
            if (!cache) {
              return data;
            }
            Dataset<Row> persisted = data.persist(StorageLevel.MEMORY_AND_DISK());
            reused.add(persisted);
            return persisted;
          }
        };
    try (RunMetrics metrics = new RunMetrics(spark)) {
      PipelinePlanner.Plan plan = PipelinePlanner.plan(pipeline, spark, ExecutionMode.BATCH, hooks);
      SinkRejections rejections = new SinkRejections(spark, pipeline);
      // Sinks that all replace their output: the dead letters replace theirs too, first, so that
      // the rows the sinks' destinations refuse are added to this run's dead letters, not wiped.
      boolean replacing = replacesEverything(pipeline);
      if (replacing) {
        plan.deadLetters().ifPresent(letters -> writeDeadLetters(pipeline, letters, runId, true));
      }
      writeSinks(
          pipeline.sinksIn(ExecutionMode.BATCH), plan.sinkInputs(), runId, rejections, reused);
      if (!replacing) {
        plan.deadLetters().ifPresent(letters -> writeDeadLetters(pipeline, letters, runId, false));
      }
      // Counts of finished actions arrive within moments; one deadline for all of them, so a sink
      // that reports none (see RunMetrics) costs the run this much once, not once per count.
      Instant countsDeadline = Instant.now().plus(PATIENCE);

      Optional<Row> deadLetters =
          plan.deadLetters().isPresent()
              ? metrics.await(DEAD_LETTERS, countsDeadline)
              : Optional.empty();
      Map<String, Long> byStage =
          new LinkedHashMap<>(
              deadLetters.map(row -> DeadLetterStages.counts(pipeline, row)).orElse(Map.of()));
      Map<String, Long> recordsIn = new LinkedHashMap<>();
      for (SourceNode source : pipeline.sources()) {
        long read = records(metrics.await(inputMetric(source.name()), countsDeadline));
        // Records a source rejected while decoding were read too: count them in.
        long rejected = byStage.getOrDefault(source.name(), 0L);
        recordsIn.put(source.name(), read == RunSummary.UNKNOWN ? read : read + rejected);
      }
      Map<String, Long> recordsOut = new LinkedHashMap<>();
      for (SinkNode sink : pipeline.sinksIn(ExecutionMode.BATCH)) {
        long written = records(metrics.await(outputMetric(sink.name()), countsDeadline));
        if (written == RunSummary.UNKNOWN) {
          LOG.warn(
              "sink '{}' (type {}) runs its own Spark job, which reports no count",
              sink.name(),
              sink.type());
        }
        recordsOut.put(sink.name(), refusedLeftOut(written, rejections.count(sink.name())));
        if (rejections.count(sink.name()) > 0) {
          byStage.merge(sink.name(), rejections.count(sink.name()), Long::sum);
        }
      }
      ExpectationCounts expectations = new ExpectationCounts(pipeline);
      metrics.countExpectations(plan, expectations);

      RunSummary summary =
          new RunSummary(
              pipeline.name(),
              runId,
              started,
              Duration.between(started, Instant.now()),
              recordsIn,
              recordsOut,
              (plan.deadLetters().isPresent() ? records(deadLetters) : 0) + rejections.total(),
              pipeline.deadLetter().type(),
              0,
              Map.of(),
              expectations.counts(),
              expectations.dropped(),
              byStage);
      commitSources(pipeline);
      saveSummary(pipeline, summary);
      LOG.info(
          "batch run {} of pipeline '{}' done: {} in, {} out, {} dead letters",
          runId,
          pipeline.name(),
          summary.totalIn(),
          summary.recordsOut().size() == 1 ? summary.totalOut() : summary.recordsOut(),
          summary.deadLetters());
      return summary;
    } finally {
      reused.forEach(Dataset::unpersist);
    }
  }

  /**
   * Whether decoded records are cached for the outputs that read them. Not for one sink fed by
   * sources that read the same records again ({@link SupportsBatchRead#repeatable}): the dead
   * letters, the other output, then read and decode the input once more, which costs less than
   * filling a cache of every record (measured in {@code bin/benchmark batch}).
   */
  static boolean cachesDecoded(Pipeline pipeline) {
    return pipeline.sinksIn(ExecutionMode.BATCH).size() > 1
        || pipeline.sources().stream()
            .anyMatch(s -> !(s.spec() instanceof SupportsBatchRead read && read.repeatable()));
  }

  /** How a run behaves beyond the pipeline's configuration. */
  public record RunOptions(boolean recompute, boolean acceptGaps) {
    public static final RunOptions DEFAULT = new RunOptions(false, false);
  }

  static String newRunId(Instant started) {
    return RUN_ID.format(started)
        + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
  }

  static String inputMetric(String source) {
    return "lambda_in_" + source;
  }

  static String outputMetric(String sink) {
    return "lambda_out_" + sink;
  }

  /** A sink's rows written: those it was given, less those its destination refused. */
  static long refusedLeftOut(long given, long refused) {
    return given == RunSummary.UNKNOWN ? given : given - refused;
  }

  static long records(Optional<Row> metrics) {
    return metrics.map(row -> row.<Long>getAs("records")).orElse(RunSummary.UNKNOWN);
  }

  /**
   * Fills each of {@code cached} that is not filled yet, in a job of its own, before sinks that
   * read it are written at once. A count observed inside a cached plan (the records read) is the
   * sum over the tasks that filled the cache, and each query that reads the cache reports it as it
   * stands when that query ends: sinks filling parts of it at once could each report a part, and
   * the run keeps the first report. After a dead-letter write, which reads every cache whole, this
   * runs no job.
   */
  private static void fillCaches(List<Dataset<Row>> cached) {
    for (Dataset<Row> data : cached) {
      scala.Option<org.apache.spark.sql.execution.CachedData> entry =
          data.sparkSession().sharedState().cacheManager().lookupCachedData(data);
      if (entry.isDefined()
          && !entry.get().cachedRepresentation().cacheBuilder().isCachedColumnBuffersLoaded()) {
        data.count();
      }
    }
  }

  /**
   * Writes each of {@code sinks} its input, all at once: each write is a Spark job (or several) of
   * its own, and while one's driver plans its query or commits its files, another's tasks run.
   * Several sinks over what the run caches find it filled whole first ({@link #fillCaches}).
   * Returns when every write has ended; when any failed, throws the failure of the first of them in
   * the pipeline's order, the others' suppressed in it.
   *
   * @param inputs each sink's input by the sink's name
   * @param cached what the run caches, which the sinks' inputs may read
   */
  private void writeSinks(
      List<SinkNode> sinks,
      Map<String, Dataset<Row>> inputs,
      String writeId,
      SinkRejections rejections,
      List<Dataset<Row>> cached) {
    if (sinks.size() > 1) {
      fillCaches(cached);
    }
    try {
      JobThreads.runAll(
          "lambda-sink-",
          sinks,
          SinkNode::name,
          sink -> write(sink, inputs.get(sink.name()), writeId, Optional.empty(), rejections));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) { // write() throws nothing checked: it names the sink in its own
      throw new PipelineRunException("sinks failed: " + PipelineRunException.firstLine(e), e);
    }
  }

  /**
   * Writes a sink's input.
   *
   * @param writeId the write's identity ({@link WriteContext#writeId()}): the run id, or for a
   *     contract run its number, which a re-run after a kill repeats
   * @param reads what the write reads ({@link WriteContext#reads()}), when known
   * @param rejections where the rows the sink's destination refuses go
   */
  void write(
      SinkNode sink,
      Dataset<Row> data,
      String writeId,
      Optional<String> reads,
      SinkRejections rejections) {
    writeTo(
        sink,
        PipelinePlanner.withoutMetadata(data)
            .observe(outputMetric(sink.name()), count(lit(1)).alias("records")),
        new WriteContext(
            spark, sink.name(), ExecutionMode.BATCH, writeId, rejections.of(sink.name()), reads));
  }

  private void writeTo(SinkNode sink, Dataset<Row> observed, WriteContext context) {
    try {
      ((SupportsBatchWrite) sink.spec()).writeBatch(observed, context);
    } catch (Exception | FSError e) { // Spark: checked exceptions undeclared; Hadoop: FSError
      throw new PipelineRunException(
          "sink '"
              + sink.name()
              + "' (type "
              + sink.type()
              + ") failed: "
              + PipelineRunException.firstLine(e),
          e);
    }
  }

  /**
   * Whether a run's dead letters replace the earlier runs': every batch sink replaces its output
   * (mode = overwrite), and the dead-letter sink can replace. Runs of a pipeline with views append:
   * each reads only what is new.
   */
  static boolean replacesEverything(Pipeline pipeline) {
    List<SinkNode> sinks = pipeline.sinksIn(ExecutionMode.BATCH);
    return !pipeline.hasViews()
        && !sinks.isEmpty()
        && sinks.stream().allMatch(s -> ((SupportsBatchWrite) s.spec()).replaces());
  }

  void writeDeadLetters(Pipeline pipeline, Dataset<Row> letters, String writeId) {
    writeDeadLetters(pipeline, letters, writeId, false);
  }

  /** Writes the run's dead letters, in place of the earlier runs' when {@code replace}. */
  void writeDeadLetters(Pipeline pipeline, Dataset<Row> letters, String writeId, boolean replace) {
    Dataset<Row> observed =
        letters.observe(
            DEAD_LETTERS, count(lit(1)).alias("records"), DeadLetterStages.columns(pipeline));
    WriteContext context =
        new WriteContext(
            spark,
            pipeline.deadLetter().name(),
            ExecutionMode.BATCH,
            writeId,
            Rejections.none(pipeline.deadLetter().name()));
    if (replace) {
      try {
        if (((SupportsBatchWrite) pipeline.deadLetter().spec()).replaceBatch(observed, context)) {
          return;
        }
      } catch (Exception | FSError e) { // Spark: checked exceptions undeclared
        throw new PipelineRunException(
            "sink '"
                + pipeline.deadLetter().name()
                + "' (type "
                + pipeline.deadLetter().type()
                + ") failed: "
                + PipelineRunException.firstLine(e),
            e);
      }
    }
    writeTo(pipeline.deadLetter(), observed, context);
  }

  void commitSources(Pipeline pipeline) {
    for (SourceNode source : pipeline.sources()) {
      ReadContext context = PipelinePlanner.afterRun(spark, source.name(), ExecutionMode.BATCH);
      try {
        ((SupportsBatchRead) source.spec()).commitBatch(context);
      } catch (RuntimeException e) {
        throw new PipelineRunException(
            "source '"
                + source.name()
                + "' could not record how far this run read: "
                + e.getMessage(),
            e);
      }
    }
  }

  void saveSummary(Pipeline pipeline, RunSummary summary) {
    summary.save(pipeline.storageRoot(), spark.sparkContext().hadoopConfiguration());
  }
}

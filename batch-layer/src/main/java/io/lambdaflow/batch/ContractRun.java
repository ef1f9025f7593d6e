package io.lambdaflow.batch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdaflow.pipeline.DeadLetterStages;
import io.lambdaflow.pipeline.ExpectationCounts;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelinePlanner;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.SinkNode;
import io.lambdaflow.pipeline.SinkRejections;
import io.lambdaflow.pipeline.SourceNode;
import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.spi.DeadLetters;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.Horizon;
import io.lambdaflow.spi.ReadContext;
import io.lambdaflow.spi.SupportsHorizon;
import io.lambdaflow.views.Published;
import io.lambdaflow.views.ViewQueries;
import io.lambdaflow.views.ViewStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One batch run under the lambda contract:
 *
 * <ol>
 *   <li>fix the horizon of every source (what it holds now);
 *   <li>append what is new since the published horizon to the master dataset, as partition {@code
 *       _lambda_run=N} of each source (a partition left by a killed run N is replaced);
 *   <li>write the sinks and dead letters for the new records only;
 *   <li>recompute every batch view from the master dataset up to run N;
 *   <li>publish views and horizons in one atomic step, then register tables, prune speed output the
 *       new horizon covers, and drop old view versions.
 * </ol>
 *
 * Until step 5 nothing a reader sees has changed, so a run killed anywhere and run again publishes
 * what one uninterrupted run would have. A run that finds nothing new publishes nothing.
 */
final class ContractRun {
  private static final Logger LOG = LoggerFactory.getLogger(ContractRun.class);

  private final BatchLayer layer;
  private final SparkSession spark;
  private final Pipeline pipeline;
  private final BatchLayer.RunOptions options;
  private final ViewStore store;
  private final MasterDataset master;
  private final Set<String> sourceNames = new LinkedHashSet<>();

  ContractRun(
      BatchLayer layer, SparkSession spark, Pipeline pipeline, BatchLayer.RunOptions options) {
    this.layer = layer;
    this.spark = spark;
    this.pipeline = pipeline;
    this.options = options;
    this.store = pipeline.openStore(spark.sparkContext().hadoopConfiguration());
    this.master = new MasterDataset(spark, pipeline, store);
    pipeline.facts().forEach(s -> sourceNames.add(s.name()));
  }

  RunSummary run() {
    Instant started = Instant.now();
    String runId = BatchLayer.newRunId(started);
    Published last = store.published();
    long run = last.run() + 1;
    spark.conf().set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
    LOG.info(
        "batch run {} of pipeline '{}' starting as run {} ({} view(s){})",
        runId,
        pipeline.name(),
        run,
        pipeline.views().size(),
        options.recompute() ? ", recomputing from the master dataset" : "");
    for (SourceNode source : pipeline.facts()) {
      store.delete(store.masterRun(source.name(), run)); // left by a run killed before publishing
    }

    Map<String, Horizon> horizons = new LinkedHashMap<>();
    Map<String, Long> recordsIn = new LinkedHashMap<>();
    Map<String, Long> recordsOut = new LinkedHashMap<>();
    long deadLetters = 0;
    ExpectationCounts expectations = new ExpectationCounts(pipeline);
    Map<String, Long> byStage = new LinkedHashMap<>();
    if (options.recompute()) {
      if (last.run() == 0) {
        throw new PipelineRunException(
            "nothing to recompute: no batch run of pipeline '"
                + pipeline.name()
                + "' has published views yet under "
                + pipeline.storageRoot(),
            null);
      }
      horizons.putAll(last.horizons());
      pipeline.facts().forEach(s -> recordsIn.put(s.name(), 0L));
      pipeline.sinksIn(ExecutionMode.BATCH).forEach(s -> recordsOut.put(s.name(), 0L));
    } else {
      Set<String> changed = new LinkedHashSet<>();
      for (SourceNode source : pipeline.facts()) {
        Optional<Horizon> pinned = master.pinned(source.name(), run);
        pinned.ifPresent(
            p ->
                LOG.info(
                    "run {} was stopped before it published; source '{}' is read again up to the"
                        + " horizon that run pinned, {}",
                    run,
                    source.name(),
                    p.ends()));
        Horizon now = pinned.orElseGet(() -> horizonSpec(source).horizon(context(source)));
        horizons.put(source.name(), now);
        if (!now.equals(last.horizon(source.name()))) {
          changed.add(source.name());
        }
      }
      // A dimension may have changed since: a pipeline with one publishes on every run.
      if (changed.isEmpty() && last.run() > 0 && pipeline.dimensions().isEmpty()) {
        LOG.info("no source has new data since run {}; nothing to publish", last.run());
        RunSummary summary =
            new RunSummary(
                pipeline.name(),
                runId,
                started,
                Duration.between(started, Instant.now()),
                zeros(sourceNames),
                zeros(pipeline.sinksIn(ExecutionMode.BATCH).stream().map(SinkNode::name).toList()),
                0,
                pipeline.deadLetter().type(),
                0,
                viewRows(last));
        layer.saveSummary(pipeline, summary);
        return summary;
      }
      // Every source's horizon, changed or not: a re-run of this number reads exactly this input.
      horizons.forEach((source, horizon) -> master.pin(source, run, horizon));
      deadLetters =
          ingest(last, horizons, changed, run, recordsIn, recordsOut, expectations, byStage);
    }

    Published published = recomputeViews(run, runId, horizons);
    store.publish(published);
    LOG.info(
        "run {} published {} view(s) with horizons {}", run, published.views().size(), horizons);
    if (!options.recompute()) {
      layer.commitSources(pipeline);
    }
    sourceNames.forEach(source -> master.unpin(source, run)); // a killed run's, too
    new MetastoreRegistrar(spark, pipeline, store).register(published);
    removeSuperseded(published);
    RunSummary summary =
        new RunSummary(
            pipeline.name(),
            runId,
            started,
            Duration.between(started, Instant.now()),
            recordsIn,
            recordsOut,
            deadLetters,
            pipeline.deadLetter().type(),
            run,
            viewRows(published),
            expectations.counts(),
            expectations.dropped(),
            byStage);
    layer.saveSummary(pipeline, summary);
    return summary;
  }

  /**
   * Steps 2 and 3: appends new records to the master dataset and writes sinks and dead letters for
   * them. Returns the dead-letter count; adds what expectations counted to {@code expectations} and
   * the dead letters per stage to {@code byStage}.
   */
  private long ingest(
      Published last,
      Map<String, Horizon> horizons,
      Set<String> changed,
      long run,
      Map<String, Long> recordsIn,
      Map<String, Long> recordsOut,
      ExpectationCounts expectations,
      Map<String, Long> byStage) {
    List<Dataset<Row>> reused = new ArrayList<>();
    try (RunMetrics metrics = new RunMetrics(spark)) {
      PipelinePlanner.Plan fresh =
          PipelinePlanner.plan(
              pipeline,
              spark,
              ExecutionMode.BATCH,
              new Hooks(reused) {
                @Override
                public Optional<Dataset<Row>> read(SourceNode source, ReadContext context) {
                  if (source.dimension()) {
                    return Optional.empty();
                  }
                  return Optional.of(
                      horizonSpec(source)
                          .readRange(
                              context, last.horizon(source.name()), horizons.get(source.name())));
                }

                @Override
                public Dataset<Row> onSource(SourceNode source, Dataset<Row> data) {
                  return data.observe(
                      BatchLayer.inputMetric(source.name()), count(lit(1)).alias("records"));
                }
              });
      for (String source : changed) {
        master.append(source, fresh.outputs().get(source), run);
      }
      Optional<Dataset<Row>> sourceLetters =
          fresh.deadLetters().map(d -> d.where(col(DeadLetters.STAGE).isin(sourceNames.toArray())));

      PipelinePlanner.Plan slice =
          PipelinePlanner.plan(
              pipeline,
              spark,
              ExecutionMode.BATCH,
              new Hooks(reused) {
                @Override
                public Optional<Dataset<Row>> read(SourceNode source, ReadContext context) {
                  if (source.dimension()) {
                    return Optional.empty(); // the version this run reads, for every record
                  }
                  return Optional.of(
                      changed.contains(source.name())
                          ? master.read(source.name(), run, true)
                          : empty(source, context, horizons.get(source.name())));
                }
              });
      SinkRejections rejections = new SinkRejections(spark, pipeline);
      // One sink after another: a sink that fails stops the run before the later ones write, so
      // a repeated run writes again only what the failed attempt wrote.
      for (SinkNode sink : pipeline.sinksIn(ExecutionMode.BATCH)) {
        layer.write(
            sink,
            slice.sinkInputs().get(sink.name()),
            "run-" + run,
            Optional.of(reads(horizons)),
            rejections);
      }
      Optional<Dataset<Row>> transformLetters =
          slice
              .deadLetters()
              .map(
                  d ->
                      d.where(
                          org.apache.spark.sql.functions.not(
                              col(DeadLetters.STAGE).isin(sourceNames.toArray()))));
      Optional<Dataset<Row>> letters =
          sourceLetters.isPresent() && transformLetters.isPresent()
              ? Optional.of(sourceLetters.get().unionByName(transformLetters.get()))
              : sourceLetters.or(() -> transformLetters);
      letters.ifPresent(l -> layer.writeDeadLetters(pipeline, l, "run-" + run));

      Instant deadline = Instant.now().plus(BatchLayer.PATIENCE);
      Optional<Row> rejected =
          letters.isPresent() ? metrics.await(BatchLayer.DEAD_LETTERS, deadline) : Optional.empty();
      rejected.ifPresent(row -> byStage.putAll(DeadLetterStages.counts(pipeline, row)));
      for (String source : sourceNames) {
        long read =
            changed.contains(source)
                ? BatchLayer.records(metrics.await(BatchLayer.inputMetric(source), deadline))
                : 0;
        long decodeRejects = byStage.getOrDefault(source, 0L);
        recordsIn.put(source, read == RunSummary.UNKNOWN ? read : read + decodeRejects);
      }
      for (SinkNode sink : pipeline.sinksIn(ExecutionMode.BATCH)) {
        recordsOut.put(
            sink.name(),
            BatchLayer.refusedLeftOut(
                BatchLayer.records(metrics.await(BatchLayer.outputMetric(sink.name()), deadline)),
                rejections.count(sink.name())));
        if (rejections.count(sink.name()) > 0) {
          byStage.merge(sink.name(), rejections.count(sink.name()), Long::sum);
        }
      }
      metrics.countExpectations(slice, expectations);
      return (letters.isPresent() ? BatchLayer.records(rejected) : 0) + rejections.total();
    } finally {
      reused.forEach(Dataset::unpersist);
    }
  }

  /** What run-N reads, for sinks that keep a ledger: each source's horizon, as sorted JSON. */
  private static String reads(Map<String, Horizon> horizons) {
    Map<String, Map<String, Long>> sorted = new TreeMap<>();
    horizons.forEach((source, horizon) -> sorted.put(source, new TreeMap<>(horizon.ends())));
    try {
      return new ObjectMapper().writeValueAsString(sorted);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write horizons as JSON", e);
    }
  }

  /** Step 4: every batch view from the master dataset up to {@code run}. */
  private Published recomputeViews(long run, String runId, Map<String, Horizon> horizons) {
    PipelinePlanner.Plan all =
        PipelinePlanner.plan(
            pipeline,
            spark,
            ExecutionMode.BATCH,
            new Hooks(new ArrayList<>()) {
              @Override
              public Optional<Dataset<Row>> read(SourceNode source, ReadContext context) {
                if (source.dimension()) {
                  return Optional.empty();
                }
                return Optional.of(
                    master.exists(source.name())
                        ? master.read(source.name(), run, false)
                        : empty(source, context, horizons.get(source.name())));
              }
            });
    Map<String, Published.BatchView> views = new LinkedHashMap<>();
    for (ViewNode view : pipeline.views()) {
      Dataset<Row> batchView =
          ViewQueries.batchView(view, ViewQueries.rows(view, all.viewInput(view)));
      Path target = store.batchView(view.name(), run);
      try {
        batchView.write().mode("overwrite").parquet(target.toString());
      } catch (Exception | FSError e) { // Spark: checked exceptions undeclared; Hadoop: FSError
        throw new PipelineRunException(
            "batch view '"
                + view.name()
                + "' cannot be written to "
                + target
                + ": "
                + PipelineRunException.firstLine(e),
            e);
      }
      long rows = spark.read().parquet(target.toString()).count();
      views.put(
          view.name(),
          new Published.BatchView(target.toString(), rows, Arrays.asList(batchView.columns())));
    }
    return new Published(run, runId, Instant.now(), horizons, views);
  }

  /** No records, in the source's shape: its range from {@code horizon} to itself. */
  private Dataset<Row> empty(SourceNode source, ReadContext context, Horizon horizon) {
    return horizonSpec(source).readRange(context, horizon, horizon);
  }

  private SupportsHorizon horizonSpec(SourceNode source) {
    return (SupportsHorizon) source.spec();
  }

  private ReadContext context(SourceNode source) {
    return PipelinePlanner.afterRun(spark, source.name(), ExecutionMode.BATCH);
  }

  /**
   * Deletes batch view versions and speed micro-batches superseded longer ago than {@code
   * serving.retain-superseded}: those of runs before the newest one published by then, and those
   * its horizon covers. Serving processes that refreshed since read none of them.
   */
  private void removeSuperseded(Published published) {
    Duration retain = pipeline.contract().serving().retainSuperseded();
    Optional<Published> settled =
        retain.isZero() ? Optional.of(published) : store.publishedAsOf(Instant.now().minus(retain));
    if (settled.isEmpty()) {
      return;
    }
    for (ViewNode view : pipeline.views()) {
      int pruned = store.pruneSpeed(view.name(), settled.get());
      if (pruned > 0) {
        LOG.info(
            "view {}: removed {} speed micro-batch(es) run {} covers",
            view.name(),
            pruned,
            settled.get().run());
      }
      store.dropViewVersionsBefore(view.name(), settled.get().run());
    }
  }

  private static Map<String, Long> zeros(Iterable<String> names) {
    Map<String, Long> counts = new LinkedHashMap<>();
    names.forEach(n -> counts.put(n, 0L));
    return counts;
  }

  private static Map<String, Long> viewRows(Published published) {
    Map<String, Long> rows = new LinkedHashMap<>();
    published.views().forEach((name, view) -> rows.put(name, view.rows()));
    return rows;
  }

  /** Hooks that persist reused datasets and honour --accept-gap. */
  private class Hooks implements PipelinePlanner.Hooks {
    private final List<Dataset<Row>> reused;

    Hooks(List<Dataset<Row>> reused) {
      this.reused = reused;
    }

    @Override
    public boolean acceptGaps() {
      return options.acceptGaps();
    }

    @Override
    public Dataset<Row> reuse(Dataset<Row> data) {
      Dataset<Row> persisted = data.persist(StorageLevel.MEMORY_AND_DISK());
      reused.add(persisted);
      return persisted;
    }
  }
}

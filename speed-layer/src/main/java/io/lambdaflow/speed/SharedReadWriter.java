package io.lambdaflow.speed;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import io.lambdaflow.metrics.PipelineMetrics;
import io.lambdaflow.pipeline.DeadLetterStages;
import io.lambdaflow.pipeline.JobThreads;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelinePlanner;
import io.lambdaflow.pipeline.SinkRejections;
import io.lambdaflow.pipeline.SourceNode;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.ReadContext;
import io.lambdaflow.spi.SupportsStreamRead;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * One micro-batch of a pipeline's single source, as it comes before decoding, turned into every
 * speed view and the dead letters: the micro-batch is decoded and run through the transforms as a
 * bounded dataset (the batch layer's own planning, so both layers agree), the decoded records are
 * cached once, and each group of views and the dead-letter sink are written from them. Kafka is
 * read and every record parsed once per micro-batch, however many views there are.
 *
 * <p>Views are replaced per micro-batch id, so a replay after a crash counts nothing twice; the
 * dead letters of a replayed micro-batch are appended again (at least once, never lost; each
 * carries its position).
 */
final class SharedReadWriter implements VoidFunction2<Dataset<Row>, Long> {
  private final Pipeline pipeline;
  private final SourceNode source;
  private final Map<String, SpeedViewsWriter> viewsByInput;
  private final Dimensions dimensions;
  private final ExpectationListener expectations;
  private final PipelineMetrics metrics;
  private final MicroBatchPhases phases;

  SharedReadWriter(
      Pipeline pipeline,
      SourceNode source,
      Map<String, SpeedViewsWriter> viewsByInput,
      Dimensions dimensions,
      ExpectationListener expectations,
      PipelineMetrics metrics,
      MicroBatchPhases phases) {
    this.pipeline = pipeline;
    this.phases = phases;
    this.source = source;
    this.viewsByInput = Map.copyOf(viewsByInput);
    this.dimensions = dimensions;
    this.expectations = expectations;
    this.metrics = metrics;
  }

  @Override
  public void call(Dataset<Row> undecoded, Long batchId) throws Exception {
    dimensions.refreshIfDue();
    List<Dataset<Row>> cached = new ArrayList<>();
    PipelinePlanner.Hooks hooks =
        new PipelinePlanner.Hooks() {
          @Override
          public Optional<Dataset<Row>> read(SourceNode node, ReadContext context) {
            if (!node.name().equals(source.name())) {
              return dimensions.dataset(node.name()); // the version cached now
            }
            return Optional.of(((SupportsStreamRead) source.spec()).decode(undecoded, context));
          }

          @Override
          public Dataset<Row> reuse(Dataset<Row> data) {
            Dataset<Row> persisted = data.persist(StorageLevel.MEMORY_AND_DISK());
            cached.add(persisted);
            return persisted;
          }
        };
    long started = System.nanoTime();
    try {
      PipelinePlanner.Plan plan =
          PipelinePlanner.plan(pipeline, undecoded.sparkSession(), ExecutionMode.BATCH, hooks);
      expectations.bounded(plan.checks());
      long planned = System.nanoTime();
      Optional<Dataset<Row>> deadLetters = plan.deadLetters();
      if (plan.checks().stream().anyMatch(c -> c.quarantined().isPresent())) {
        // The dead letters read the decoded records twice (what the source rejected, what an
        // expectation quarantined): cached first, or one job would decode the micro-batch twice.
        cached.forEach(Dataset::count);
      }
      // The views are written while the dead letters are counted: both read the decoded records,
      // and where those are cached the first task to need a partition fills it while the others
      // wait for it, so the micro-batch is still decoded once. Not where expectations observe
      // records upstream of that cache: both jobs would report their metrics, the first (perhaps
      // partial, the cache filled by the other) would count; then the views follow the count.
      boolean ownCache = cached.isEmpty(); // nothing upstream cached: each group caches its input
      JobThreads.Body writeViews =
          () -> {
            for (Map.Entry<String, SpeedViewsWriter> group : viewsByInput.entrySet()) {
              group.getValue().write(plan.outputs().get(group.getKey()), batchId, ownCache);
            }
          };
      String thread = "lambda-speed-views-" + batchId;
      JobThreads.Running views =
          ownCache || plan.checks().isEmpty() ? JobThreads.start(thread, writeViews) : null;
      long letters = 0;
      try {
        if (deadLetters.isPresent()) {
          // Where the decoded records are cached, this job (or the views') fills the cache and
          // counts the rejected ones, per stage, in the same pass.
          Observation stages = new Observation("lambdaflow_speed_dead_letters_" + batchId);
          letters =
              deadLetters
                  .get()
                  .observe(
                      stages, count(lit(1)).alias("records"), DeadLetterStages.columns(pipeline))
                  .count();
          DeadLetterStages.counts(pipeline, stages.getAsJava()).forEach(metrics::deadLetters);
        }
      } catch (Throwable e) { // Spark throws its checked SparkException undeclared
        Throwable alsoFailed = views == null ? null : views.awaitEnd(); // before the cache goes
        if (alsoFailed != null) {
          e.addSuppressed(alsoFailed);
        }
        throw JobThreads.asThrown(e);
      }
      long counted = System.nanoTime();
      if (views == null) {
        views = JobThreads.start(thread, writeViews);
      }
      Throwable failure = views.awaitEnd();
      if (failure != null) {
        throw JobThreads.asThrown(failure);
      }
      long viewsWritten = System.nanoTime();
      if (letters > 0) {
        SinkRejections.writeDeadLetters(pipeline, deadLetters.get());
      }
      Map<String, Long> spent = new LinkedHashMap<>();
      spent.put(MicroBatchPhases.PLAN, (planned - started) / 1_000_000);
      // Decoding (and counting the dead letters), then what writing the views took beyond it.
      spent.put(MicroBatchPhases.DECODE, (counted - planned) / 1_000_000);
      spent.put(MicroBatchPhases.VIEWS, Math.max(0, views.ended() - counted) / 1_000_000);
      spent.put(MicroBatchPhases.DEAD_LETTERS, (System.nanoTime() - viewsWritten) / 1_000_000);
      phases.put(batchId, spent);
    } finally {
      cached.forEach(Dataset::unpersist);
    }
  }
}

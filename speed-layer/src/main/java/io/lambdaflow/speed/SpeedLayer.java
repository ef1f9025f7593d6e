package io.lambdaflow.speed;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import io.lambdaflow.metrics.PipelineMetrics;
import io.lambdaflow.pipeline.DeadLetterStages;
import io.lambdaflow.pipeline.ExpectationCounts;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelinePlanner;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.SinkNode;
import io.lambdaflow.pipeline.SinkRejections;
import io.lambdaflow.pipeline.SourceNode;
import io.lambdaflow.pipeline.Triggers;
import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.ReadContext;
import io.lambdaflow.spi.Rejections;
import io.lambdaflow.spi.StreamWriteContext;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.SupportsStreamWrite;
import io.lambdaflow.status.SpeedStatus;
import io.lambdaflow.views.ViewQueries;
import io.lambdaflow.views.ViewStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a pipeline as Structured Streaming: the same sources and transforms as the batch layer, one
 * query per sink, and for the views and dead letters one query that reads the source once per
 * micro-batch and writes all of them ({@link SharedReadWriter}; a pipeline of several sources runs
 * one query per dataset views read and one for dead letters instead). Each query has its checkpoint
 * under the pipeline's checkpoint root; a restart resumes every query from its checkpoint.
 */
public final class SpeedLayer {
  private static final Logger LOG = LoggerFactory.getLogger(SpeedLayer.class);

  private final SparkSession spark;

  public SpeedLayer(SparkSession spark) {
    this.spark = requireNonNull(spark, "spark is null");
  }

  /**
   * Starts the pipeline's queries and keeps them running: after a failure (a source or sink outage)
   * they start again by the pipeline's {@code speed.restart} policy. Returns at once; wait with
   * {@link SupervisedPipeline#awaitTermination()}, stop with {@link SupervisedPipeline#close()}.
   *
   * @throws PipelineRunException when the queries cannot start at all
   */
  public SupervisedPipeline run(Pipeline pipeline) {
    return run(pipeline, new PipelineMetrics(pipeline.name(), "speed"));
  }

  /** As {@link #run(Pipeline)}, counting into {@code metrics} across restarts. */
  public SupervisedPipeline run(Pipeline pipeline, PipelineMetrics metrics) {
    ExpectationCounts expectations = new ExpectationCounts(pipeline);
    return new SupervisedPipeline(
        pipeline.name(), () -> start(pipeline, expectations, metrics), pipeline.speed().restart());
  }

  /**
   * Plans the pipeline and starts its queries; returns at once. Stop them with {@link
   * RunningPipeline#close()}.
   *
   * @throws PipelineRunException naming the source, transform or sink that could not start
   */
  public RunningPipeline start(Pipeline pipeline) {
    return start(
        pipeline, new ExpectationCounts(pipeline), new PipelineMetrics(pipeline.name(), "speed"));
  }

  private RunningPipeline start(
      Pipeline pipeline, ExpectationCounts counts, PipelineMetrics metrics) {
    Dimensions dimensions = Dimensions.open(pipeline, spark);
    ProgressLogger progress =
        new ProgressLogger(
            pipeline,
            metrics,
            new SpeedStatus(pipeline.storageRoot(), spark.sparkContext().hadoopConfiguration()),
            counts);
    ExpectationListener expectations = new ExpectationListener(spark, counts, metrics).register();
    List<StreamingQuery> queries = new ArrayList<>();
    try {
      PipelinePlanner.Plan plan =
          PipelinePlanner.plan(
              pipeline,
              spark,
              ExecutionMode.STREAMING,
              new PipelinePlanner.Hooks() {
                @Override
                public Optional<Dataset<Row>> read(SourceNode source, ReadContext context) {
                  return dimensions.dataset(source.name());
                }
              });
      expectations.streaming(plan.checks());
      spark.streams().addListener(progress);
      if (!dimensions.isEmpty()) {
        spark.streams().addListener(dimensions);
      }
      for (SinkNode sink : pipeline.sinksIn(ExecutionMode.STREAMING)) {
        Dataset<Row> data = PipelinePlanner.withoutMetadata(plan.sinkInputs().get(sink.name()));
        queries.add(
            start(
                pipeline,
                sink,
                data.observe(ProgressLogger.OUT + sink.name(), count(lit(1)).alias("records"))));
      }
      ViewStore store = pipeline.openStore(spark.sparkContext().hadoopConfiguration());
      Map<String, List<ViewNode>> viewsByInput = new LinkedHashMap<>();
      for (ViewNode view : pipeline.views()) {
        viewsByInput
            .computeIfAbsent(PipelinePlanner.inputOf(view), i -> new ArrayList<>())
            .add(view);
      }
      Optional<Dataset<Row>> undecoded = sharedRead(pipeline);
      if (undecoded.isPresent()) {
        queries.add(
            startShared(
                pipeline,
                undecoded.get(),
                viewsByInput,
                plan,
                store,
                dimensions,
                expectations,
                metrics,
                progress.phases()));
      } else {
        for (Map.Entry<String, List<ViewNode>> group : viewsByInput.entrySet()) {
          queries.add(
              startViews(pipeline, group.getKey(), group.getValue(), plan, store, dimensions));
        }
        Optional<Dataset<Row>> deadLetters = plan.deadLetters();
        if (deadLetters.isPresent()) {
          queries.add(
              start(
                  pipeline,
                  pipeline.deadLetter(),
                  deadLetters
                      .get()
                      .observe(
                          ProgressLogger.DEAD_LETTERS,
                          count(lit(1)).alias("records"),
                          DeadLetterStages.columns(pipeline))));
        }
      }
    } catch (RuntimeException e) {
      queries.forEach(SpeedLayer::stopQuietly);
      spark.streams().removeListener(progress);
      progress.close();
      spark.streams().removeListener(dimensions);
      expectations.close();
      dimensions.close();
      throw e;
    }
    LOG.info(
        "speed layer of pipeline '{}' running {} queries, checkpoints under {}",
        pipeline.name(),
        queries.size(),
        pipeline.speed().checkpointRoot());
    return new RunningPipeline(spark, pipeline.name(), queries, progress, dimensions, expectations);
  }

  private StreamingQuery start(Pipeline pipeline, SinkNode sink, Dataset<Row> data) {
    String trigger = sink.trigger().isEmpty() ? pipeline.speed().trigger() : sink.trigger();
    String checkpoint = pipeline.speed().checkpointRoot() + "/" + sink.name();
    SinkRejections rejections = new SinkRejections(spark, pipeline);
    StreamWriteContext context =
        new StreamWriteContext() {
          @Override
          public SparkSession spark() {
            return spark;
          }

          @Override
          public String sinkName() {
            return sink.name();
          }

          @Override
          public String outputMode() {
            return sink.outputMode();
          }

          @Override
          public Rejections rejections() {
            return rejections.of(sink.name());
          }

          @Override
          public Optional<String> batchOffsets(long batchId) {
            return CheckpointOffsets.of(spark, checkpoint, batchId);
          }

          @Override
          public DataStreamWriter<Row> writer(Dataset<Row> shaped) {
            return shaped
                .writeStream()
                .queryName(pipeline.name() + "." + sink.name())
                .outputMode(sink.outputMode())
                .trigger(Triggers.parse(trigger))
                .option("checkpointLocation", checkpoint);
          }
        };
    try {
      return ((SupportsStreamWrite) sink.spec()).startStream(data, context);
    } catch (Exception e) { // Spark throws checked AnalysisException undeclared
      throw new PipelineRunException(
          "sink '"
              + sink.name()
              + "' (type "
              + sink.type()
              + ") cannot start: "
              + PipelineRunException.firstLine(e),
          e);
    }
  }

  /**
   * The undecoded stream of the pipeline's source when views and dead letters can all be written
   * from one read of it: a pipeline with views and one source that can decode micro-batches apart,
   * and a dead-letter sink that writes bounded data.
   */
  private Optional<Dataset<Row>> sharedRead(Pipeline pipeline) {
    if (!pipeline.hasViews()
        || pipeline.facts().size() != 1
        || !(pipeline.deadLetter().spec() instanceof SupportsBatchWrite)) {
      return Optional.empty();
    }
    return PipelinePlanner.undecodedStream(pipeline.facts().get(0), spark);
  }

  /**
   * One query that reads the source once per micro-batch and writes every view and the dead letters
   * from it (sinks keep their own queries and their own delivery guarantees).
   */
  private StreamingQuery startShared(
      Pipeline pipeline,
      Dataset<Row> undecoded,
      Map<String, List<ViewNode>> viewsByInput,
      PipelinePlanner.Plan plan,
      ViewStore store,
      Dimensions dimensions,
      ExpectationListener expectations,
      PipelineMetrics metrics,
      MicroBatchPhases phases) {
    Map<String, SpeedViewsWriter> writers = new LinkedHashMap<>();
    viewsByInput.forEach(
        (input, views) -> {
          Dataset<Row> data = plan.outputs().get(input);
          views.forEach(view -> ViewQueries.rows(view, data)); // fails now, naming the view
          writers.put(
              input, new SpeedViewsWriter(views, store, pipeline.speed().driverWriteLimit()));
        });
    String checkpoint = pipeline.speed().checkpointRoot() + "/views-and-dead-letters";
    startingOver(checkpoint, pipeline.views(), store);
    try {
      return undecoded
          .writeStream()
          .queryName(pipeline.name() + ".views")
          .trigger(Triggers.parse(pipeline.speed().trigger()))
          .option("checkpointLocation", checkpoint)
          .foreachBatch(
              new SharedReadWriter(
                  pipeline,
                  pipeline.facts().get(0),
                  writers,
                  dimensions,
                  expectations,
                  metrics,
                  phases))
          .start();
    } catch (Exception e) { // Spark throws checked TimeoutException undeclared
      throw new PipelineRunException(
          "speed views "
              + pipeline.views().stream().map(ViewNode::name).toList()
              + " cannot start: "
              + PipelineRunException.firstLine(e),
          e);
    }
  }

  /**
   * One query for all the views that read {@code input}: each micro-batch is read and decoded once
   * and written to every one of them.
   */
  private StreamingQuery startViews(
      Pipeline pipeline,
      String input,
      List<ViewNode> views,
      PipelinePlanner.Plan plan,
      ViewStore store,
      Dimensions dimensions) {
    Dataset<Row> data = plan.outputs().get(input);
    for (ViewNode view : views) {
      ViewQueries.rows(view, data); // fails here, naming the view, rather than per micro-batch
    }
    String checkpoint = pipeline.speed().checkpointRoot() + "/views/" + input;
    startingOver(checkpoint, views, store);
    SpeedViewsWriter writer =
        new SpeedViewsWriter(views, store, pipeline.speed().driverWriteLimit());
    try {
      return data.writeStream()
          .queryName(pipeline.name() + ".views." + input)
          .trigger(Triggers.parse(pipeline.speed().trigger()))
          .option("checkpointLocation", checkpoint)
          .foreachBatch(
              (VoidFunction2<Dataset<Row>, Long>)
                  (batch, batchId) -> {
                    dimensions.refreshIfDue(); // before Spark plans the micro-batch's join
                    writer.call(batch, batchId);
                  })
          .start();
    } catch (Exception e) { // Spark throws checked TimeoutException undeclared
      throw new PipelineRunException(
          "speed views "
              + views.stream().map(ViewNode::name).toList()
              + " cannot start: "
              + PipelineRunException.firstLine(e),
          e);
    }
  }

  /**
   * A views query without a checkpoint starts over (from the source's starting offsets, with
   * micro-batch ids from 0), so the speed views it writes start empty: micro-batch folders of an
   * earlier query (its checkpoint deleted, or the pipeline's shape changed) would otherwise be
   * replaced by id only where the ids meet, and the rest counted twice. The new query derives again
   * every row past the published horizon that its starting offsets reach.
   */
  private void startingOver(String checkpoint, List<ViewNode> views, ViewStore store) {
    Path path = new Path(checkpoint);
    try {
      if (path.getFileSystem(store.hadoop()).exists(path)) {
        return;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot look for the checkpoint " + checkpoint, e);
    }
    for (ViewNode view : views) {
      if (!store.speedBatches(view.name()).isEmpty()) {
        LOG.info(
            "speed view '{}': no checkpoint at {}, so its query starts over; removing its earlier"
                + " micro-batches",
            view.name(),
            checkpoint);
        store.delete(store.speedView(view.name()));
      }
    }
  }

  static void stopQuietly(StreamingQuery query) {
    try {
      query.stop();
    } catch (Exception e) {
      LOG.warn("query {} did not stop cleanly: {}", query.name(), e.getMessage());
    }
  }
}

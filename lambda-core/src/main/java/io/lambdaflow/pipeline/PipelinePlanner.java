package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;

import io.lambdaflow.spi.DeadLetters;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.spi.ReadContext;
import io.lambdaflow.spi.SupportsBatchRead;
import io.lambdaflow.spi.SupportsStreamRead;
import io.lambdaflow.spi.TransformContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Turns a validated {@link Pipeline} into Spark datasets for one layer: reads each source, applies
 * each transform after its inputs, and gathers the rejected records of every transform into one
 * dead-letter dataset. It runs nothing; the layer decides how to write.
 */
public final class PipelinePlanner {

  /** How a layer observes and shapes the plan. */
  public interface Hooks {
    /** Called with each source's dataset; may wrap it (to count records, say). */
    default Dataset<Row> onSource(SourceNode source, Dataset<Row> data) {
      return data;
    }

    /**
     * Reads a source in place of its own {@code readBatch}/{@code readStream}: how the batch layer
     * reads a range up to a horizon, or the master dataset. Empty for the source's own read.
     */
    default Optional<Dataset<Row>> read(SourceNode source, ReadContext context) {
      return Optional.empty();
    }

    /** Implements {@link ReadContext#acceptGaps}. */
    default boolean acceptGaps() {
      return false;
    }

    /** Implements {@link TransformContext#reuse}. */
    default Dataset<Row> reuse(Dataset<Row> data) {
      return data;
    }

    /**
     * What {@code transform} reads in place of its (single) input: how {@code lambda replay} feeds
     * dead letters back into the transform that rejected them. Empty for its input.
     */
    default Optional<Dataset<Row>> input(TransformNode transform) {
      return Optional.empty();
    }

    /**
     * What {@code transform} gives in place of running it, its expectations still applied: how
     * {@code lambda replay} checks quarantined records again. Empty to run it.
     */
    default Optional<Dataset<Row>> output(TransformNode transform) {
      return Optional.empty();
    }
  }

  /**
   * The planned datasets.
   *
   * @param sinkInputs the dataset each sink writes, by sink name, metadata columns included
   * @param deadLetters every transform's rejected records in the dead-letter shape, if any
   *     transform can reject
   * @param outputs every source's and transform's output, by name, metadata columns included; and
   *     for a view with expectations, the records it keeps, under {@link #viewInput}
   * @param checks the expectations of every transform and view that declares some, as planned
   */
  public record Plan(
      Map<String, Dataset<Row>> sinkInputs,
      Optional<Dataset<Row>> deadLetters,
      Map<String, Dataset<Row>> outputs,
      List<Expectations.Check> checks) {
    public Plan {
      sinkInputs = Map.copyOf(sinkInputs);
      outputs = Map.copyOf(outputs);
      requireNonNull(deadLetters, "deadLetters is null");
      checks = List.copyOf(checks);
    }

    /** What {@code view} reads: its input, less what its expectations leave out. */
    public Dataset<Row> viewInput(ViewNode view) {
      return outputs.get(inputOf(view));
    }
  }

  /**
   * The name under which {@link Plan#outputs} holds what {@code view} reads: its input's name, or
   * for a view with expectations, its own input of the records they keep. Views of one such name
   * can share one read of it.
   */
  public static String inputOf(ViewNode view) {
    return view.expectations().isEmpty() ? view.input() : "view." + view.name();
  }

  private PipelinePlanner() {}

  /** Plans every source, transform and sink of {@code pipeline} in {@code mode}. */
  public static Plan plan(Pipeline pipeline, SparkSession spark, ExecutionMode mode, Hooks hooks) {
    Map<String, Dataset<Row>> datasets = new LinkedHashMap<>();
    List<Dataset<Row>> rejected = new ArrayList<>();
    List<Expectations.Check> checks = new ArrayList<>();
    long planNumber = Expectations.nextPlan();
    for (SourceNode source : pipeline.sources()) {
      SourceContext context = new SourceContext(source.name(), spark, mode, hooks, true);
      Dataset<Row> data;
      try {
        Optional<Dataset<Row>> replaced = hooks.read(source, context);
        data =
            replaced.isPresent()
                ? replaced.get()
                : mode == ExecutionMode.BATCH || source.dimension()
                    ? ((SupportsBatchRead) source.spec()).readBatch(context)
                    : ((SupportsStreamRead) source.spec()).readStream(context);
        List<String> columns = Arrays.asList(data.columns());
        if (source.dimension()) {
          // A dimension's rows have no place in views' coverage: only the facts' positions count.
          data = withoutMetadata(data);
        } else if (!pipeline.hasViews()) {
          // Partition and offset serve the lambda contract's views only; carrying them through a
          // pipeline without views (and its cached intermediate data) costs time for nothing.
          data = data.drop(MetadataColumns.PARTITION, MetadataColumns.OFFSET);
        } else if (columns.contains(MetadataColumns.PARTITION)
            && !columns.contains(MetadataColumns.SOURCE)) {
          data = data.withColumn(MetadataColumns.SOURCE, lit(source.name()));
        }
      } catch (io.lambdaflow.spi.SupportsHorizon.DataGapException e) {
        throw new PipelineRunException(e.getMessage(), e);
      } catch (Exception e) { // Spark throws checked AnalysisException undeclared
        throw cannotRead(source, e);
      }
      datasets.put(source.name(), hooks.onSource(source, data));
      if (source.dimension() && mode == ExecutionMode.STREAMING) {
        continue; // the batch layer's runs report a dimension's dead letters, once per run
      }
      for (Dataset<Row> letters : context.deadLetters) {
        rejected.add(toDeadLetters(pipeline.name(), source.name(), letters));
      }
    }
    for (TransformNode node : pipeline.transforms()) {
      Context context = new Context(node, spark, mode, datasets, hooks);
      Dataset<Row> output;
      try {
        Optional<Dataset<Row>> given = hooks.output(node);
        output =
            given.isPresent()
                ? given.get()
                : requireNonNull(node.transform().apply(context), "transform returned null");
      } catch (Exception e) { // Spark throws checked AnalysisException undeclared
        throw new PipelineRunException(
            "transform '"
                + node.name()
                + "' (type "
                + node.type()
                + ") failed: "
                + PipelineRunException.firstLine(e),
            e);
      }
      for (Dataset<Row> letters : context.deadLetters) {
        rejected.add(toDeadLetters(pipeline.name(), node.name(), letters));
      }
      if (!node.expectations().isEmpty()) {
        Expectations.Check check =
            Expectations.apply(node.name(), node.expectations(), output, planNumber);
        check
            .quarantined()
            .ifPresent(q -> rejected.add(toDeadLetters(pipeline.name(), node.name(), q)));
        checks.add(check);
        output = check.kept();
      }
      datasets.put(node.name(), output);
    }
    for (ViewNode view : pipeline.views()) {
      Dataset<Row> input = datasets.get(view.input());
      if (!view.expectations().isEmpty() && input != null) {
        // Only the records the view keeps are its to check.
        if (view.filter().isPresent()) {
          input = input.where(org.apache.spark.sql.functions.expr(view.filter().get()));
        }
        Expectations.Check check =
            Expectations.apply(view.name(), view.expectations(), input, planNumber);
        check
            .quarantined()
            .ifPresent(q -> rejected.add(toDeadLetters(pipeline.name(), view.name(), q)));
        checks.add(check);
        datasets.put(inputOf(view), check.kept());
      }
    }
    Map<String, Dataset<Row>> sinkInputs = new LinkedHashMap<>();
    for (SinkNode sink : pipeline.sinks()) {
      sinkInputs.put(sink.name(), datasets.get(sink.input()));
    }
    Optional<Dataset<Row>> deadLetters = rejected.stream().reduce(Dataset::unionByName);
    return new Plan(sinkInputs, deadLetters, datasets, checks);
  }

  /**
   * The stream {@code source} gives before decoding ({@link
   * io.lambdaflow.spi.SupportsStreamRead#readUndecodedStream}), to be decoded one micro-batch at a
   * time by planning in batch mode with a {@link Hooks#read} that calls {@link
   * io.lambdaflow.spi.SupportsStreamRead#decode}. Empty when the source sends dead letters while
   * opening its stream: it decodes inside the stream, so its micro-batches cannot be decoded apart.
   *
   * @throws PipelineRunException naming the source if it cannot be read
   */
  public static Optional<Dataset<Row>> undecodedStream(SourceNode source, SparkSession spark) {
    SourceContext context =
        new SourceContext(source.name(), spark, ExecutionMode.STREAMING, new Hooks() {}, true);
    Dataset<Row> data;
    try {
      data = ((SupportsStreamRead) source.spec()).readUndecodedStream(context);
    } catch (Exception e) { // Spark throws checked AnalysisException undeclared
      throw cannotRead(source, e);
    }
    return context.deadLetters.isEmpty() ? Optional.of(data) : Optional.empty();
  }

  private static PipelineRunException cannotRead(SourceNode source, Exception e) {
    return new PipelineRunException(
        "source '"
            + source.name()
            + "' (type "
            + source.type()
            + ") cannot be read: "
            + PipelineRunException.firstLine(e),
        e);
  }

  /**
   * {@code source}, a dimension, read whole as its own plan would read it, without metadata
   * columns; what it rejects while reading is left to the batch layer's runs to report.
   *
   * @throws PipelineRunException naming the source if it cannot be read
   */
  public static Dataset<Row> readDimension(SourceNode source, SparkSession spark) {
    SourceContext context =
        new SourceContext(source.name(), spark, ExecutionMode.BATCH, new Hooks() {}, true);
    try {
      return withoutMetadata(((SupportsBatchRead) source.spec()).readBatch(context));
    } catch (Exception e) { // Spark throws checked AnalysisException undeclared
      throw cannotRead(source, e);
    }
  }

  /**
   * A read context for calls to a source outside planning, such as {@link
   * io.lambdaflow.spi.SupportsBatchRead#commitBatch} after a run; it refuses dead letters.
   */
  public static ReadContext afterRun(SparkSession spark, String sourceName, ExecutionMode mode) {
    return new SourceContext(sourceName, spark, mode, new Hooks() {}, false);
  }

  /** The dataset without framework metadata columns, as sinks receive it. */
  public static Dataset<Row> withoutMetadata(Dataset<Row> data) {
    String[] metadata =
        Arrays.stream(data.columns()).filter(MetadataColumns::isMetadata).toArray(String[]::new);
    return metadata.length == 0 ? data : data.drop(metadata);
  }

  private static Dataset<Row> toDeadLetters(String pipeline, String stage, Dataset<Row> letters) {
    List<String> columns = Arrays.asList(letters.columns());
    for (String required : List.of(DeadLetters.REASON, DeadLetters.RAW)) {
      if (!columns.contains(required)) {
        throw new PipelineRunException(
            "transform '"
                + stage
                + "' sent dead letters without the column '"
                + required
                + "' (it has "
                + columns
                + ")",
            null);
      }
    }
    Column position =
        columns.contains(MetadataColumns.POSITION)
            ? col(MetadataColumns.POSITION).cast("string")
            : lit(null).cast("string");
    return letters.select(
        lit(pipeline).alias(DeadLetters.PIPELINE),
        lit(stage).alias(DeadLetters.STAGE),
        position.alias(DeadLetters.POSITION),
        col(DeadLetters.REASON).cast("string").alias(DeadLetters.REASON),
        col(DeadLetters.RAW).cast("string").alias(DeadLetters.RAW),
        current_timestamp().alias(DeadLetters.REJECTED_AT));
  }

  private static final class SourceContext implements ReadContext {
    private final String name;
    private final SparkSession spark;
    private final ExecutionMode mode;
    private final Hooks hooks;
    private final boolean planning;
    private final List<Dataset<Row>> deadLetters = new ArrayList<>();

    SourceContext(
        String name, SparkSession spark, ExecutionMode mode, Hooks hooks, boolean planning) {
      this.name = name;
      this.spark = spark;
      this.mode = mode;
      this.hooks = hooks;
      this.planning = planning;
    }

    @Override
    public SparkSession spark() {
      return spark;
    }

    @Override
    public String sourceName() {
      return name;
    }

    @Override
    public ExecutionMode mode() {
      return mode;
    }

    @Override
    public void deadLetter(Dataset<Row> rejected) {
      if (!planning) {
        throw new IllegalStateException(
            "source '" + name + "' sent dead letters outside readBatch/readStream");
      }
      deadLetters.add(requireNonNull(rejected, "rejected is null"));
    }

    @Override
    public boolean acceptGaps() {
      return hooks.acceptGaps();
    }

    @Override
    public Dataset<Row> reuse(Dataset<Row> dataset) {
      return hooks.reuse(requireNonNull(dataset, "dataset is null"));
    }
  }

  private static final class Context implements TransformContext {
    private final TransformNode node;
    private final SparkSession spark;
    private final ExecutionMode mode;
    private final Map<String, Dataset<Row>> datasets;
    private final Hooks hooks;
    private final List<Dataset<Row>> deadLetters = new ArrayList<>();

    Context(
        TransformNode node,
        SparkSession spark,
        ExecutionMode mode,
        Map<String, Dataset<Row>> datasets,
        Hooks hooks) {
      this.node = node;
      this.spark = spark;
      this.mode = mode;
      this.datasets = datasets;
      this.hooks = hooks;
    }

    @Override
    public String name() {
      return node.name();
    }

    @Override
    public ExecutionMode mode() {
      return mode;
    }

    @Override
    public SparkSession spark() {
      return spark;
    }

    @Override
    public Dataset<Row> input() {
      return input(node.inputs().get(0));
    }

    @Override
    public Dataset<Row> input(String inputName) {
      if (!node.inputs().contains(inputName)) {
        throw new IllegalArgumentException(
            "transform '"
                + node.name()
                + "' has no input named '"
                + inputName
                + "'; its inputs are "
                + node.inputs());
      }
      Optional<Dataset<Row>> given = hooks.input(node);
      if (given.isPresent()) {
        return given.get();
      }
      return requireNonNull(datasets.get(inputName), "input dataset missing: " + inputName);
    }

    @Override
    public List<String> inputNames() {
      return node.inputs();
    }

    @Override
    public void deadLetter(Dataset<Row> rejected) {
      deadLetters.add(requireNonNull(rejected, "rejected is null"));
    }

    @Override
    public Dataset<Row> reuse(Dataset<Row> dataset) {
      return hooks.reuse(requireNonNull(dataset, "dataset is null"));
    }
  }
}

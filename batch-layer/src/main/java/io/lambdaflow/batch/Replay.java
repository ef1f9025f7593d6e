package io.lambdaflow.batch;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sha2;

import io.lambdaflow.pipeline.DeadLetterStages;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelinePlanner;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.SinkNode;
import io.lambdaflow.pipeline.SinkRejections;
import io.lambdaflow.pipeline.SourceNode;
import io.lambdaflow.pipeline.TransformNode;
import io.lambdaflow.spi.DeadLetters;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.spi.ReadContext;
import io.lambdaflow.spi.SupportsBatchRead;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.SupportsReadBack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lambda replay}: the dead letters of a transform run through the pipeline again after a
 * fix, from that transform on. A record its transform rejected (a parser's, say) is fed back as the
 * transform's input, its raw text in the input's one text column; a record an expectation
 * quarantined is read back from its JSON as the transform's output and checked again. What passes
 * goes to the sinks that read that transform or what follows it (never to sinks before it, which
 * had the record already); what fails again becomes a new dead letter with the new reason. A ledger
 * under {@code <storage-root>/replays} keeps the dead letters replayed, so none is replayed twice.
 * Views are not fed (they are recomputed from the master dataset, which holds the records as read);
 * source stages cannot be fed back (their raw is a source's record, before decoding).
 */
public final class Replay {
  private static final Logger LOG = LoggerFactory.getLogger(Replay.class);
  private static final String KEY = "key";
  private static final String QUARANTINED = "expectation '";

  private final SparkSession spark;
  private final BatchLayer layer;

  public Replay(SparkSession spark) {
    this.spark = spark;
    this.layer = new BatchLayer(spark);
  }

  /**
   * What a replay did.
   *
   * @param replayed dead letters run through the pipeline again, by stage
   * @param stillFailed those that became dead letters again, by stage they failed at
   * @param skipped stages whose dead letters cannot be replayed, with the reason
   */
  public record Summary(
      String pipeline,
      Duration duration,
      Map<String, Long> replayed,
      Map<String, Long> stillFailed,
      Map<String, String> skipped) {

    public long totalReplayed() {
      return replayed.values().stream().mapToLong(Long::longValue).sum();
    }

    public long totalStillFailed() {
      return stillFailed.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Replayed and not failed again: written on to the sinks after the stage (or filtered). */
    public long passed() {
      return totalReplayed() - totalStillFailed();
    }

    public String render() {
      StringBuilder text = new StringBuilder();
      text.append(
          String.format(
              Locale.ROOT,
              "replay of pipeline '%s' finished in %.1f s%n",
              pipeline,
              duration.toMillis() / 1000.0));
      text.append(
          String.format(
              Locale.ROOT, "  replayed      %,12d  %s%n", totalReplayed(), replayed.toString()));
      text.append(String.format(Locale.ROOT, "  passed        %,12d%n", passed()));
      text.append(
          String.format(
              Locale.ROOT,
              "  still failed  %,12d  %s (new dead letters, with the new reason)%n",
              totalStillFailed(),
              stillFailed.toString()));
      skipped.forEach(
          (stage, why) ->
              text.append(
                  String.format(Locale.ROOT, "  not replayed  stage '%s': %s%n", stage, why)));
      return text.toString();
    }
  }

  /**
   * Replays the dead letters of {@code pipeline} not replayed before, of {@code stage} (or every
   * transform) and with a reason starting with {@code reason} (or any).
   *
   * @throws PipelineRunException when the dead-letter sink cannot be read back, or {@code stage} is
   *     not a transform of the pipeline
   */
  public Summary run(Pipeline pipeline, Optional<String> stage, Optional<String> reason) {
    Instant started = Instant.now();
    if (!(pipeline.deadLetter().spec() instanceof SupportsReadBack readable)) {
      throw new PipelineRunException(
          "lambda replay reads the dead letters back from the dead-letter sink, and type '"
              + pipeline.deadLetter().type()
              + "' cannot be read back (files can)",
          null);
    }
    List<SinkNode> written = new ArrayList<>(pipeline.sinksIn(ExecutionMode.BATCH));
    written.add(pipeline.deadLetter());
    for (SinkNode sink : written) {
      if (((SupportsBatchWrite) sink.spec()).replaces()) {
        throw new PipelineRunException(
            "sink '"
                + sink.name()
                + "' replaces its output on every run, so replayed records would replace it too;"
                + " run the batch layer again after the fix instead (its dead letters are replaced"
                + " with it)",
            null);
      }
    }
    List<String> transforms = pipeline.transforms().stream().map(TransformNode::name).toList();
    if (stage.isPresent() && !DeadLetterStages.stages(pipeline).contains(stage.get())) {
      throw new PipelineRunException(
          "pipeline '"
              + pipeline.name()
              + "' has no stage '"
              + stage.get()
              + "'; its transforms are "
              + transforms,
          null);
    }
    Map<String, Long> replayed = new LinkedHashMap<>();
    Map<String, Long> stillFailed = new LinkedHashMap<>();
    Map<String, String> skipped = new LinkedHashMap<>();
    Optional<Dataset<Row>> stored = readable.readBack(spark);
    if (stored.isPresent()) {
      // Fixed now: the dead letters this replay writes must not join them on a recomputation.
      Dataset<Row> letters = candidates(pipeline, stored.get(), stage, reason).localCheckpoint();
      try {
        List<String> stages =
            letters.select(DeadLetters.STAGE).distinct().collectAsList().stream()
                .map(r -> r.getString(0))
                .sorted()
                .toList();
        String runId = "replay-" + BatchLayer.newRunId(started);
        for (String name : stages) {
          Optional<TransformNode> node =
              pipeline.transforms().stream().filter(t -> t.name().equals(name)).findFirst();
          if (node.isEmpty()) {
            skipped.put(
                name,
                "a source or a view: only a transform's dead letters can be fed back (a source's"
                    + " raw is its record before decoding; views are recomputed from the master"
                    + " dataset)");
            continue;
          }
          Dataset<Row> mine = letters.where(col(DeadLetters.STAGE).equalTo(name));
          Column quarantined = col(DeadLetters.REASON).startsWith(QUARANTINED);
          for (boolean asOutput : List.of(false, true)) {
            Dataset<Row> part = mine.where(asOutput ? quarantined : not(quarantined));
            Optional<String> refusal =
                replay(pipeline, node.get(), part, asOutput, runId, replayed, stillFailed);
            refusal.ifPresent(why -> skipped.put(name, why));
          }
        }
      } finally {
        letters.unpersist();
      }
    }
    Summary summary =
        new Summary(
            pipeline.name(),
            Duration.between(started, Instant.now()),
            replayed,
            stillFailed,
            skipped);
    LOG.info(
        "replay of pipeline '{}': {} replayed, {} passed, {} still failed",
        pipeline.name(),
        summary.totalReplayed(),
        summary.passed(),
        summary.totalStillFailed());
    return summary;
  }

  /** The pipeline's dead letters that match and are not in the ledger, with their ledger key. */
  private Dataset<Row> candidates(
      Pipeline pipeline, Dataset<Row> stored, Optional<String> stage, Optional<String> reason) {
    Dataset<Row> letters =
        stored
            .where(col(DeadLetters.PIPELINE).equalTo(pipeline.name()))
            .select(
                col(DeadLetters.STAGE),
                col(DeadLetters.POSITION).cast("string").alias(DeadLetters.POSITION),
                col(DeadLetters.REASON),
                col(DeadLetters.RAW),
                col(DeadLetters.REJECTED_AT).cast("string").alias(DeadLetters.REJECTED_AT))
            .withColumn(
                KEY,
                sha2(
                    concat_ws(
                        "\u0001",
                        col(DeadLetters.STAGE),
                        coalesce(col(DeadLetters.POSITION), lit("")),
                        col(DeadLetters.REJECTED_AT),
                        coalesce(col(DeadLetters.RAW), lit(""))),
                    256));
    if (stage.isPresent()) {
      letters = letters.where(col(DeadLetters.STAGE).equalTo(stage.get()));
    }
    if (reason.isPresent()) {
      letters = letters.where(col(DeadLetters.REASON).startsWith(reason.get()));
    }
    Path ledger = ledger(pipeline);
    if (exists(ledger)) {
      Dataset<Row> done =
          spark
              .read()
              .schema(new StructType().add(KEY, DataTypes.StringType))
              .json(ledger.toString());
      letters = letters.join(done, letters.col(KEY).equalTo(done.col(KEY)), "left_anti");
    }
    return letters;
  }

  /**
   * Runs {@code letters} of {@code node} through the pipeline from it on, writes what passes and
   * what fails again, and adds them to the ledger; returns why they cannot be, if so.
   */
  private Optional<String> replay(
      Pipeline pipeline,
      TransformNode node,
      Dataset<Row> letters,
      boolean asOutput,
      String runId,
      Map<String, Long> replayed,
      Map<String, Long> stillFailed) {
    long count = letters.count();
    if (count == 0) {
      return Optional.empty();
    }
    if (node.inputs().size() != 1 && !asOutput) {
      return Optional.of("it reads several inputs; its raw cannot be fed back to one of them");
    }
    PipelinePlanner.Plan shapes =
        PipelinePlanner.plan(pipeline, spark, ExecutionMode.BATCH, new Nothing());
    StructType schema =
        asOutput
            ? shapes.outputs().get(node.name()).schema()
            : shapes.outputs().get(node.inputs().get(0)).schema();
    Optional<Dataset<Row>> fed = asOutput ? fromJson(letters, schema) : asText(letters, schema);
    if (fed.isEmpty()) {
      return Optional.of(
          "it reads "
              + Arrays.toString(userColumns(schema).stream().map(StructField::name).toArray())
              + "; only a transform that reads one text column (such as parse-json over lines)"
              + " can have its raw fed back");
    }
    PipelinePlanner.Plan plan =
        PipelinePlanner.plan(
            pipeline,
            spark,
            ExecutionMode.BATCH,
            new Nothing() {
              @Override
              public Optional<Dataset<Row>> input(TransformNode transform) {
                return !asOutput && transform.name().equals(node.name()) ? fed : Optional.empty();
              }

              @Override
              public Optional<Dataset<Row>> output(TransformNode transform) {
                return asOutput && transform.name().equals(node.name()) ? fed : Optional.empty();
              }
            });
    Set<String> after = downstream(pipeline, node.name());
    SinkRejections rejections = new SinkRejections(spark, pipeline);
    try (RunMetrics metrics = new RunMetrics(spark)) {
      for (SinkNode sink : pipeline.sinksIn(ExecutionMode.BATCH)) {
        if (after.contains(sink.input())) {
          layer.write(
              sink, plan.sinkInputs().get(sink.name()), runId, Optional.empty(), rejections);
        }
      }
      Optional<Dataset<Row>> again =
          plan.deadLetters().map(d -> d.where(col(DeadLetters.STAGE).isin(after.toArray())));
      again.ifPresent(d -> layer.writeDeadLetters(pipeline, d, runId));
      Map<String, Long> failed =
          again.isPresent()
              ? metrics
                  .await(BatchLayer.DEAD_LETTERS, Instant.now().plus(BatchLayer.PATIENCE))
                  .map(row -> DeadLetterStages.counts(pipeline, row))
                  .orElse(Map.of())
              : Map.of();
      failed.forEach(
          (stage, n) -> {
            if (n > 0) {
              stillFailed.merge(stage, n, Long::sum);
            }
          });
      for (SinkNode sink : pipeline.sinksIn(ExecutionMode.BATCH)) {
        if (rejections.count(sink.name()) > 0) {
          stillFailed.merge(sink.name(), rejections.count(sink.name()), Long::sum);
        }
      }
    }
    letters.select(KEY).write().mode("append").json(ledger(pipeline).toString());
    replayed.merge(node.name(), count, Long::sum);
    return Optional.empty();
  }

  /** The raw texts as the input of a transform that reads one text column, with positions. */
  private static Optional<Dataset<Row>> asText(Dataset<Row> letters, StructType input) {
    List<StructField> user = userColumns(input);
    if (user.size() != 1 || !user.get(0).dataType().equals(DataTypes.StringType)) {
      return Optional.empty();
    }
    List<Column> columns = new ArrayList<>();
    for (StructField field : input.fields()) {
      columns.add(column(field, col(DeadLetters.RAW)));
    }
    return Optional.of(letters.select(columns.toArray(Column[]::new)));
  }

  /** The quarantined records as their transform gave them, read from their JSON. */
  private static Optional<Dataset<Row>> fromJson(Dataset<Row> letters, StructType output) {
    StructType user = new StructType(userColumns(output).toArray(StructField[]::new));
    Dataset<Row> parsed = letters.withColumn("_record", from_json(col(DeadLetters.RAW), user));
    List<Column> columns = new ArrayList<>();
    for (StructField field : output.fields()) {
      columns.add(column(field, col("_record.`" + field.name() + "`")));
    }
    return Optional.of(parsed.select(columns.toArray(Column[]::new)));
  }

  /** A field from {@code user}, or for a metadata column the dead letter's position or null. */
  private static Column column(StructField field, Column user) {
    Column value =
        !MetadataColumns.isMetadata(field.name())
            ? user
            : field.name().equals(MetadataColumns.POSITION) ? col(DeadLetters.POSITION) : lit(null);
    return value.cast(field.dataType()).alias(field.name());
  }

  private static List<StructField> userColumns(StructType schema) {
    return Arrays.stream(schema.fields())
        .filter(f -> !MetadataColumns.isMetadata(f.name()))
        .toList();
  }

  /** {@code stage} and every transform that reads it, directly or not. */
  private static Set<String> downstream(Pipeline pipeline, String stage) {
    Set<String> after = new LinkedHashSet<>(List.of(stage));
    for (TransformNode transform : pipeline.transforms()) { // each after its inputs
      if (transform.inputs().stream().anyMatch(after::contains)) {
        after.add(transform.name());
      }
    }
    return after;
  }

  private Path ledger(Pipeline pipeline) {
    return new Path(pipeline.storageRoot() + "/replays/ledger");
  }

  private boolean exists(Path path) {
    try {
      return path.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot look for " + path, e);
    }
  }

  /** Plans that read no records from the facts (their schema only); dimensions as they are. */
  private static class Nothing implements PipelinePlanner.Hooks {
    @Override
    public Optional<Dataset<Row>> read(SourceNode source, ReadContext context) {
      if (source.dimension()) {
        return Optional.empty();
      }
      return Optional.of(((SupportsBatchRead) source.spec()).readBatch(context).limit(0));
    }
  }
}

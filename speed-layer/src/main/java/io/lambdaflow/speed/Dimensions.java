package io.lambdaflow.speed;

import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelinePlanner;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.SourceNode;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.JavaConverters;

/**
 * The speed layer's dimension sources ({@code dimension = true}): each read whole when the layer
 * starts, cached, and joined with every micro-batch from the cache; read again once its {@code
 * refresh} interval has passed. A refresh is checked before each micro-batch of the views query and
 * after each micro-batch of every query, so a micro-batch joins with the version cached when it
 * ran: at most {@code refresh} old (plus one micro-batch for a sink's own query). Files are listed
 * again on each refresh (a file added or replaced is seen), a database is queried again.
 *
 * <p>Spark plans each micro-batch of a stream-static join from the cache, so replacing the cached
 * data (Spark's own re-caching of a plan) is all a refresh takes; the queries keep running.
 */
final class Dimensions extends StreamingQueryListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SpeedLayer.class);

  /** One dimension: its cached dataset and the version it holds. */
  private static final class Dimension {
    final SourceNode source;
    final Duration refresh;
    final Dataset<Row> data;
    Instant readAt;

    Dimension(SourceNode source, Duration refresh, Dataset<Row> data) {
      this.source = source;
      this.refresh = refresh;
      this.data = data;
    }
  }

  private final SparkSession spark;
  private final String prefix;
  private final Map<String, Dimension> byName = new LinkedHashMap<>();

  private Dimensions(SparkSession spark, String pipeline) {
    this.spark = spark;
    this.prefix = pipeline + ".";
  }

  /**
   * Reads and caches every dimension of {@code pipeline}.
   *
   * @throws PipelineRunException naming a dimension that cannot be read
   */
  static Dimensions open(Pipeline pipeline, SparkSession spark) {
    Dimensions dimensions = new Dimensions(spark, pipeline.name());
    try {
      for (SourceNode source : pipeline.dimensions()) {
        Dataset<Row> data =
            PipelinePlanner.readDimension(source, spark).persist(StorageLevel.MEMORY_AND_DISK());
        Dimension dimension = new Dimension(source, pipeline.speed().refreshOf(source), data);
        dimensions.byName.put(source.name(), dimension);
        dimensions.load(dimension, "read");
      }
    } catch (RuntimeException e) {
      dimensions.close();
      throw e;
    }
    return dimensions;
  }

  boolean isEmpty() {
    return byName.isEmpty();
  }

  /** The cached dataset of the dimension {@code source}, or empty for a source of facts. */
  Optional<Dataset<Row>> dataset(String source) {
    return Optional.ofNullable(byName.get(source)).map(d -> d.data);
  }

  /**
   * Reads again every dimension whose refresh interval has passed.
   *
   * @throws PipelineRunException naming a dimension that cannot be read now
   */
  synchronized void refreshIfDue() {
    Instant now = Instant.now();
    for (Dimension dimension : byName.values()) {
      if (!now.isBefore(dimension.readAt.plus(dimension.refresh))) {
        LogicalPlan plan = dimension.data.queryExecution().analyzed();
        for (LogicalPlan leaf : JavaConverters.seqAsJavaList(plan.collectLeaves())) {
          if (leaf instanceof LogicalRelation relation
              && relation.relation() instanceof HadoopFsRelation files) {
            files.location().refresh(); // list the files again
          }
        }
        spark.sharedState().cacheManager().recacheByPlan(spark, dimension.data.logicalPlan());
        load(dimension, "read again");
      }
    }
  }

  /** Fills the cache of {@code dimension} now, so micro-batches do not wait for it. */
  private void load(Dimension dimension, String how) {
    long started = System.nanoTime();
    long rows;
    try {
      rows = dimension.data.count();
    } catch (Exception e) { // Spark throws checked exceptions undeclared
      throw new PipelineRunException(
          "dimension '"
              + dimension.source.name()
              + "' (type "
              + dimension.source.type()
              + ") cannot be read: "
              + PipelineRunException.firstLine(e),
          e);
    }
    dimension.readAt = Instant.now();
    boolean often = dimension.refresh.compareTo(Duration.ofMinutes(1)) < 0 && !how.equals("read");
    String text =
        String.format(
            Locale.ROOT,
            "dimension '%s' %s: %,d rows in %,d ms; read again every %s",
            dimension.source.name(),
            how,
            rows,
            (System.nanoTime() - started) / 1_000_000,
            describe(dimension.refresh));
    if (often) {
      LOG.debug(text); // every micro-batch or so: not worth a line each time
    } else {
      LOG.info(text);
    }
  }

  private static String describe(Duration refresh) {
    return refresh.isZero()
        ? "micro-batch"
        : refresh.toString().substring(2).toLowerCase(Locale.ROOT);
  }

  @Override
  public void onQueryStarted(QueryStartedEvent event) {}

  @Override
  public void onQueryProgress(QueryProgressEvent event) {
    String name = event.progress().name();
    if (name == null || !name.startsWith(prefix)) {
      return;
    }
    try {
      refreshIfDue();
    } catch (PipelineRunException e) {
      // The next micro-batch that reads it fails with the same cause; its restart policy applies.
      LOG.warn("{}", e.getMessage());
    }
  }

  @Override
  public void onQueryTerminated(QueryTerminatedEvent event) {}

  @Override
  public synchronized void close() {
    byName.values().forEach(d -> d.data.unpersist());
    byName.clear();
  }
}

package io.lambdaflow.speed;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import io.lambdaflow.pipeline.JobThreads;
import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.spi.Horizon;
import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.views.Published;
import io.lambdaflow.views.SpeedBatch;
import io.lambdaflow.views.ViewQueries;
import io.lambdaflow.views.ViewStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one micro-batch of a dataset to the speed views that read it. The micro-batch is read and
 * decoded once: its records past the published horizon (the batch views cover the rest) are cached
 * (unless what they derive from is cached already, as in {@link SharedReadWriter}), and each view's
 * rows are written from them into a folder named after the micro-batch id, written aside and moved
 * into place with the highest offset the micro-batch holds per partition. A micro-batch replayed
 * after a crash has the same id and replaces its folders, so nothing is counted twice.
 */
final class SpeedViewsWriter implements VoidFunction2<Dataset<Row>, Long> {
  private static final Logger LOG = LoggerFactory.getLogger(SpeedViewsWriter.class);
  private static final StructType HORIZON =
      new StructType()
          .add("h_source", DataTypes.StringType, false)
          .add("h_part", DataTypes.StringType, false)
          .add("h_end", DataTypes.LongType, false);

  private final List<ViewNode> views;
  private final ViewStore store;
  private final long driverWriteLimit;

  /**
   * @param driverWriteLimit micro-batches with at most this many records past the horizon have each
   *     view's rows collected and written by the driver ({@link DriverParquet}); larger ones are
   *     written by Spark's tasks
   */
  SpeedViewsWriter(List<ViewNode> views, ViewStore store, long driverWriteLimit) {
    this.views = List.copyOf(views);
    this.store = store;
    this.driverWriteLimit = driverWriteLimit;
  }

  @Override
  public void call(Dataset<Row> input, Long batchId) throws Exception {
    write(input, batchId, true);
  }

  /**
   * Writes micro-batch {@code batchId} of the views' input.
   *
   * @param cache whether to cache its rows past the horizon, which every view reads: yes unless
   *     what they derive from is cached already
   */
  void write(Dataset<Row> input, long batchId, boolean cache) throws Exception {
    long started = System.nanoTime();
    Published published = store.published();
    Dataset<Row> rows = pastHorizon(input, published);
    Dataset<Row> past = cache ? rows.persist(StorageLevel.MEMORY_AND_DISK()) : rows;
    try {
      // One single-stage job reads the micro-batch, fills the cache and finds how far it goes: each
      // task reports the highest offset per partition it saw (no shuffle for a handful of rows).
      Map<String, Map<String, Long>> maxOffsets = new TreeMap<>();
      long total = 0;
      for (Row row :
          past.select(
                  col(MetadataColumns.SOURCE),
                  col(MetadataColumns.PARTITION),
                  col(MetadataColumns.OFFSET))
              .mapPartitions(new TaskMaxima(), TaskMaxima.ENCODER)
              .collectAsList()) {
        maxOffsets
            .computeIfAbsent(row.getString(0), s -> new TreeMap<>())
            .merge(row.getString(1), row.getLong(2), Math::max);
        total += row.getLong(3);
      }
      long scanned = System.nanoTime();
      writeAll(past, total, maxOffsets, batchId);
      LOG.debug(
          "micro-batch {}: {} record(s) past the horizon read in {} ms, {} view(s) written in {} ms",
          batchId,
          total,
          (scanned - started) / 1_000_000,
          views.size(),
          (System.nanoTime() - scanned) / 1_000_000);
    } finally {
      if (cache) {
        past.unpersist();
      }
    }
  }

  /**
   * Writes every view, at once when there are several: each is a Spark job of its own, and while
   * one job's driver commits its files (a rename per file, then the micro-batch's folder) another's
   * tasks run. New threads inherit the micro-batch's Spark properties, as the writes in this one
   * would have them.
   */
  private void writeAll(
      Dataset<Row> past, long total, Map<String, Map<String, Long>> maxOffsets, long batchId)
      throws Exception {
    JobThreads.runAll(
        "lambda-speed-view-",
        views,
        ViewNode::name,
        view -> write(view, past, total, maxOffsets, batchId));
  }

  private void write(
      ViewNode view,
      Dataset<Row> past,
      long total,
      Map<String, Map<String, Long>> maxOffsets,
      long batchId)
      throws InterruptedException {
    long rows = 0;
    Dataset<Row> viewRows = ViewQueries.rows(view, past);
    if (total > 0 && total <= driverWriteLimit) {
      // Few rows: one Parquet file written by the driver, no write job and its commit per view.
      rows =
          DriverParquet.write(
              viewRows,
              store.speedBatchAside(view.name(), batchId),
              "speed view " + view.name() + " micro-batch " + batchId);
    } else if (total > 0) {
      Observation written = new Observation("lambda_speed_" + view.name() + "_" + batchId);
      viewRows
          .observe(written, count(lit(1)).alias("rows"))
          .write()
          .mode("overwrite")
          // Written aside and renamed in whole, so the cheaper commit (tasks move their files into
          // place themselves) is safe, and no _SUCCESS marker is needed.
          .option("mapreduce.fileoutputcommitter.algorithm.version", "2")
          .option("mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
          .parquet(store.speedBatchAside(view.name(), batchId).toString());
      rows = ((Number) written.getAsJava().get("rows")).longValue();
    }
    if (rows == 0) {
      // Nothing past the horizon for this view; a replay of a batch that had rows before (the
      // horizon has moved since) drops them.
      store.dropSpeedBatch(view.name(), batchId);
      return;
    }
    List<String> columns =
        Arrays.stream(viewRows.columns()).filter(c -> !MetadataColumns.isMetadata(c)).toList();
    // The micro-batch's offsets, not only the view's: a batch is pruned once a horizon covers all
    // it read, which is never sooner than the view's own rows alone would allow.
    store.commitSpeedBatch(
        view.name(), new SpeedBatch(batchId, "", rows, columns, maxOffsets, Instant.now()));
    LOG.debug("view {}: micro-batch {} added {} row(s)", view.name(), batchId, rows);
  }

  /** Per task: source, partition, highest offset and row count of each partition it read. */
  static final class TaskMaxima implements MapPartitionsFunction<Row, Row> {
    static final Encoder<Row> ENCODER =
        Encoders.row(
            new StructType()
                .add("source", DataTypes.StringType)
                .add("partition", DataTypes.StringType)
                .add("max_offset", DataTypes.LongType)
                .add("rows", DataTypes.LongType));

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      Map<List<String>, long[]> seen = new HashMap<>();
      while (rows.hasNext()) {
        Row row = rows.next();
        long[] maxAndCount =
            seen.computeIfAbsent(
                List.of(row.getString(0), row.getString(1)), k -> new long[] {Long.MIN_VALUE, 0});
        maxAndCount[0] = Math.max(maxAndCount[0], row.getLong(2));
        maxAndCount[1]++;
      }
      List<Row> out = new ArrayList<>(seen.size());
      seen.forEach((k, v) -> out.add(RowFactory.create(k.get(0), k.get(1), v[0], v[1])));
      return out.iterator();
    }
  }

  private static Dataset<Row> pastHorizon(Dataset<Row> rows, Published published) {
    List<Row> ends = new ArrayList<>();
    for (Map.Entry<String, Horizon> source : published.horizons().entrySet()) {
      source
          .getValue()
          .ends()
          .forEach((part, end) -> ends.add(RowFactory.create(source.getKey(), part, end)));
    }
    if (ends.isEmpty()) {
      return rows;
    }
    Dataset<Row> horizon = rows.sparkSession().createDataFrame(ends, HORIZON);
    return rows.join(
        broadcast(horizon),
        col(MetadataColumns.SOURCE)
            .equalTo(col("h_source"))
            .and(col(MetadataColumns.PARTITION).equalTo(col("h_part")))
            .and(col(MetadataColumns.OFFSET).lt(col("h_end"))),
        "left_anti");
  }
}

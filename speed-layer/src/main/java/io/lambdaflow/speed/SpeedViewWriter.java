package io.lambdaflow.speed;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.spi.Horizon;
import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.views.LambdaStore;
import io.lambdaflow.views.Published;
import io.lambdaflow.views.SpeedBatch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one micro-batch of a view's rows to its speed view: only rows past the published horizon
 * (the batch view covers the rest), into a folder named after the micro-batch id, written aside and
 * moved into place with the highest offset it holds per partition. A micro-batch replayed after a
 * crash has the same id and replaces its folder, so nothing is counted twice.
 */
final class SpeedViewWriter implements VoidFunction2<Dataset<Row>, Long> {
  private static final Logger LOG = LoggerFactory.getLogger(SpeedViewWriter.class);
  private static final StructType HORIZON =
      new StructType()
          .add("h_source", DataTypes.StringType, false)
          .add("h_part", DataTypes.StringType, false)
          .add("h_end", DataTypes.LongType, false);

  private final ViewNode view;
  private final LambdaStore store;

  SpeedViewWriter(ViewNode view, LambdaStore store) {
    this.view = view;
    this.store = store;
  }

  @Override
  public void call(Dataset<Row> rows, Long batchId) {
    Published published = store.published();
    Dataset<Row> past = pastHorizon(rows, published).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Map<String, Map<String, Long>> maxOffsets = new TreeMap<>();
      long total = 0;
      for (Row row :
          past.groupBy(col(MetadataColumns.SOURCE), col(MetadataColumns.PARTITION))
              .agg(max(col(MetadataColumns.OFFSET)), count(lit(1)))
              .collectAsList()) {
        maxOffsets
            .computeIfAbsent(row.getString(0), s -> new TreeMap<>())
            .put(row.getString(1), row.getLong(2));
        total += row.getLong(3);
      }
      if (total == 0) {
        return;
      }
      past.write()
          .mode("overwrite")
          .parquet(store.speedBatchAside(view.name(), batchId).toString());
      List<String> columns =
          Arrays.stream(past.columns()).filter(c -> !MetadataColumns.isMetadata(c)).toList();
      store.commitSpeedBatch(
          view.name(), new SpeedBatch(batchId, "", total, columns, maxOffsets, Instant.now()));
      LOG.debug("view {}: micro-batch {} added {} row(s)", view.name(), batchId, total);
    } finally {
      past.unpersist();
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

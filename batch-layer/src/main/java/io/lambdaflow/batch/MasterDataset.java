package io.lambdaflow.batch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.spi.Horizon;
import io.lambdaflow.views.ViewStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master dataset of each source, where the view store puts it: Parquet partitioned by the run
 * that appended it ({@link ViewStore#RUN_COLUMN}) and by the pipeline's declared partitions.
 */
final class MasterDataset {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(MasterDataset.class);

  private final SparkSession spark;
  private final Pipeline pipeline;
  private final ViewStore store;

  MasterDataset(SparkSession spark, Pipeline pipeline, ViewStore store) {
    this.spark = spark;
    this.pipeline = pipeline;
    this.store = store;
  }

  /**
   * Appends {@code records} of {@code source} as run {@code run} (replacing what a killed run
   * left).
   */
  void append(String source, Dataset<Row> records, long run) {
    Map<String, String> partitions =
        pipeline.contract().masterPartitions().getOrDefault(source, Map.of());
    Dataset<Row> data = records;
    for (Map.Entry<String, String> partition : partitions.entrySet()) {
      data = data.withColumn(partition.getKey(), expr(partition.getValue()));
    }
    Path target = store.masterRun(source, run);
    try {
      data.write()
          .mode("overwrite")
          .partitionBy(partitions.keySet().toArray(String[]::new))
          .parquet(target.toString());
    } catch (Exception | FSError e) { // Spark: checked exceptions undeclared; Hadoop: FSError
      throw new PipelineRunException(
          "source '"
              + source
              + "': cannot append to the master dataset at "
              + target
              + ": "
              + PipelineRunException.firstLine(e),
          e);
    }
  }

  /** The master dataset of {@code source}: run {@code run} only, or every run up to it. */
  Dataset<Row> read(String source, long run, boolean onlyThisRun) {
    Set<String> drop = new LinkedHashSet<>();
    drop.add(ViewStore.RUN_COLUMN);
    drop.addAll(pipeline.contract().masterPartitions().getOrDefault(source, Map.of()).keySet());
    Dataset<Row> data =
        onlyThisRun
            ? spark
                .read()
                .option("mergeSchema", "true")
                .parquet(store.masterRun(source, run).toString())
            : spark
                .read()
                .option("mergeSchema", "true")
                .parquet(store.master(source).toString())
                .where(col(ViewStore.RUN_COLUMN).leq(run));
    return data.drop(drop.toArray(String[]::new));
  }

  /**
   * Records, before run {@code run} reads {@code source}, the horizon it reads up to. A run killed
   * before it published is run again under the same number (its sinks' write identity, {@code
   * run-N}, which the jdbc sink's ledger keys by); {@link #pinned} makes the re-run read the same
   * records, not also what arrived in between, so a sink that skips a write it has seen skips
   * exactly what it wrote.
   */
  void pin(String source, long run, Horizon horizon) {
    Path file = pinFile(source, run);
    try {
      FileSystem fs = file.getFileSystem(store.hadoop());
      try (OutputStream out = fs.create(file, true)) {
        out.write(JSON.writeValueAsBytes(horizon.ends()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot pin the horizon of run " + run + " at " + file, e);
    }
  }

  /** The horizon a killed run {@code run} pinned for {@code source}, if it did. */
  Optional<Horizon> pinned(String source, long run) {
    Path file = pinFile(source, run);
    try {
      FileSystem fs = file.getFileSystem(store.hadoop());
      if (!fs.exists(file)) {
        return Optional.empty();
      }
      try (InputStream in = fs.open(file)) {
        Map<String, Long> ends = JSON.readValue(in, new TypeReference<Map<String, Long>>() {});
        return Optional.of(new Horizon(ends));
      } catch (JsonProcessingException e) {
        // Killed while pinning: the run had not read anything yet, so nothing holds it to a
        // horizon.
        LOG.warn("ignoring the unreadable pinned horizon {} ({})", file, e.getOriginalMessage());
        return Optional.empty();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the pinned horizon " + file, e);
    }
  }

  /** Removes the pin of run {@code run}, once it published. */
  void unpin(String source, long run) {
    Path file = pinFile(source, run);
    try {
      file.getFileSystem(store.hadoop()).delete(file, false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the pinned horizon " + file, e);
    }
  }

  /**
   * Beside the sources' master datasets, not in one: a source that never appended has no folder,
   * and its folder must hold nothing but Parquet (the metastore registers it as a table).
   */
  private Path pinFile(String source, long run) {
    return new Path(
        store.master(source).getParent(), "_pinned-run-" + run + "-" + source + ".json");
  }

  /** Whether any run appended to the master dataset of {@code source}. */
  boolean exists(String source) {
    Path master = store.master(source);
    try {
      return master.getFileSystem(store.hadoop()).exists(master);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot look at the master dataset " + master, e);
    }
  }
}

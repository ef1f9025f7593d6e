package io.lambdaflow.views;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Where the lambda contract keeps a pipeline's data, and the two atomic steps it relies on. The
 * batch layer appends to the master dataset and writes batch view versions at the paths this store
 * names, then {@link #publish}es views and horizons in one step; the speed layer writes each
 * micro-batch of a speed view aside and {@link #commitSpeedBatch commits} it in one step; the
 * serving layer reads what was published and committed. A reader sees a publish or a commit whole
 * or not at all.
 *
 * <p>Stores are plugins: a {@link ViewStoreFactory} listed in {@code
 * META-INF/services/io.lambdaflow.views.ViewStoreFactory} opens one, chosen by {@code store { type
 * = NAME }}. Built in: {@code folders} ({@link FolderStore}). Any store must pass the contract test
 * kit ({@code io.lambdaflow.testkit.ViewStoreContract}).
 */
public interface ViewStore {
  /** The master dataset's partition column naming the run that appended a record. */
  String RUN_COLUMN = "_lambda_run";

  /** The Hadoop configuration the store's paths are read and written with. */
  Configuration hadoop();

  /** The master dataset of {@code source}: Parquet, partitioned by {@link #RUN_COLUMN}. */
  Path master(String source);

  /** The partition of {@code source}'s master dataset that run {@code run} appends. */
  Path masterRun(String source, long run);

  /** Where run {@code run} writes the batch view {@code view}. */
  Path batchView(String view, long run);

  /** The folder of {@code view}'s speed micro-batches. */
  Path speedView(String view);

  /** The latest published state, or {@link Published#NONE} before the first run. */
  Published published();

  /**
   * The newest state published at or before {@code cutoff}, while the store's published history
   * still holds one.
   */
  Optional<Published> publishedAsOf(Instant cutoff);

  /**
   * Publishes {@code published} atomically: readers see the previous state until this one is
   * visible whole.
   *
   * @throws IllegalStateException when that run was published already
   */
  void publish(Published published);

  /** Deletes a folder and everything in it, if it exists. */
  void delete(Path path);

  /** Deletes batch view versions of runs before {@code keepFrom}. */
  void dropViewVersionsBefore(String view, long keepFrom);

  /** The folder a micro-batch is written to before {@link #commitSpeedBatch} makes it visible. */
  Path speedBatchAside(String view, long batchId);

  /**
   * Makes a micro-batch written aside visible with its description, in one step; a batch committed
   * before under the same id (a replay after a crash) is replaced.
   */
  void commitSpeedBatch(String view, SpeedBatch batch);

  /** Removes micro-batch {@code batchId} of {@code view}, written aside or committed. */
  void dropSpeedBatch(String view, long batchId);

  /** The committed micro-batches of {@code view}'s speed view, by batch id. */
  List<SpeedBatch> speedBatches(String view);

  /** Deletes the micro-batches of {@code view} whose every row {@code published} covers. */
  int pruneSpeed(String view, Published published);

  /** The Parquet files directly in {@code folder}, as qualified paths, sorted. */
  List<String> parquetFiles(String folder);
}

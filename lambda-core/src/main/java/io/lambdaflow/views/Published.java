package io.lambdaflow.views;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.spi.Horizon;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one batch run published, atomically: the horizon per source and one version of every batch
 * view, computed from the master dataset up to that horizon.
 *
 * @param run the run's number, counting from 1; master dataset partitions of later runs are not
 *     part of it
 * @param runId the run's id, as in its summary
 * @param publishedAt when it was published
 * @param horizons the horizon of each source
 * @param views each view's published version
 */
public record Published(
    long run,
    String runId,
    Instant publishedAt,
    Map<String, Horizon> horizons,
    Map<String, BatchView> views) {

  /** Before any run: nothing published, empty horizons. */
  public static final Published NONE = new Published(0, "", Instant.EPOCH, Map.of(), Map.of());

  /**
   * One published batch view.
   *
   * @param path where its Parquet files are
   * @param rows how many rows it has
   * @param columns its columns, in order
   */
  public record BatchView(String path, long rows, List<String> columns) {
    public BatchView {
      requireNonNull(path, "path is null");
      columns = List.copyOf(columns);
    }
  }

  public Published {
    requireNonNull(runId, "runId is null");
    requireNonNull(publishedAt, "publishedAt is null");
    horizons = Map.copyOf(horizons);
    views = Map.copyOf(views);
  }

  public Horizon horizon(String source) {
    return horizons.getOrDefault(source, Horizon.EMPTY);
  }

  public Optional<BatchView> view(String name) {
    return Optional.ofNullable(views.get(name));
  }
}

package io.lambdaflow.spi;

import java.util.Map;
import java.util.TreeMap;

/**
 * How far a source's data reaches at one moment: for each of its partitions, the offset just past
 * the last record (Kafka: the end offset of each topic partition; files: each file seen, with end
 * 1). A record at ({@code partition}, {@code offset}) is covered when its partition is listed and
 * its offset is below the end. The lambda contract's batch runs read up to a horizon; the speed
 * layer's output past it is what serving adds to the batch views.
 *
 * @param ends the exclusive end offset per partition, by {@link MetadataColumns#PARTITION} value
 */
public record Horizon(Map<String, Long> ends) {
  public static final Horizon EMPTY = new Horizon(Map.of());

  public Horizon {
    ends = Map.copyOf(new TreeMap<>(ends));
  }

  /** Whether a record at {@code offset} of {@code partition} lies at or below this horizon. */
  public boolean covers(String partition, long offset) {
    Long end = ends.get(partition);
    return end != null && offset < end;
  }

  /** The end of {@code partition}, or empty when this horizon does not list it. */
  public java.util.Optional<Long> end(String partition) {
    return java.util.Optional.ofNullable(ends.get(partition));
  }
}

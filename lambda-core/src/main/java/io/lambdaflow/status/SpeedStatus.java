package io.lambdaflow.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdaflow.pipeline.ExpectationCounts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speed layer's recent micro-batches, kept in {@code <storage-root>/status/speed.json} for the
 * status page (which runs in the serving process): the last hour, rewritten after each micro-batch
 * that read rows. Losing it loses only the page's charts, so a failed write is logged, not thrown.
 */
public final class SpeedStatus {
  private static final Logger LOG = LoggerFactory.getLogger(SpeedStatus.class);
  private static final Duration KEPT = Duration.ofHours(1);
  private static final int MOST = 3_600;
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One micro-batch of one query.
   *
   * @param query the query's name
   * @param batchId its micro-batch id
   * @param atMillis when it ended, in Unix milliseconds
   * @param inputRows rows it read
   * @param durationMs how long it took
   * @param lag records left in Kafka after it
   * @param phases where its time went, in milliseconds per phase in the order they ran (the
   *     shared-read query's micro-batches; empty for others)
   */
  public record MicroBatch(
      String query,
      long batchId,
      long atMillis,
      long inputRows,
      long durationMs,
      long lag,
      Map<String, Long> phases) {
    public MicroBatch {
      phases = phases == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(phases));
    }

    public Instant at() {
      return Instant.ofEpochMilli(atMillis);
    }

    /** Rows per second of its duration. */
    public double rowsPerSecond() {
      return durationMs == 0 ? 0 : inputRows * 1000.0 / durationMs;
    }
  }

  /**
   * What the file holds.
   *
   * @param microBatches the last hour's micro-batches, oldest first
   * @param expectations records failing each expectation since the speed layer started
   */
  public record Snapshot(
      List<MicroBatch> microBatches, List<ExpectationCounts.Count> expectations) {
    public static final Snapshot EMPTY = new Snapshot(List.of(), List.of());
  }

  private final Path file;
  private final Configuration hadoop;
  private final Deque<MicroBatch> recent = new ArrayDeque<>();
  private boolean closed;

  public SpeedStatus(String storageRoot, Configuration hadoop) {
    this.file = file(storageRoot);
    this.hadoop = hadoop;
  }

  private static Path file(String storageRoot) {
    return new Path(storageRoot + "/status/speed.json");
  }

  /** Adds {@code batch} and rewrites the file with the last hour and {@code expectations}. */
  public synchronized void add(MicroBatch batch, List<ExpectationCounts.Count> expectations) {
    if (closed) {
      return; // a progress event delivered after the speed layer stopped
    }
    recent.addLast(batch);
    Instant oldest = batch.at().minus(KEPT);
    while (recent.size() > MOST || recent.peekFirst().at().isBefore(oldest)) {
      recent.removeFirst();
    }
    Path written = new Path(file.getParent(), "." + file.getName() + ".tmp");
    try {
      FileSystem fs = file.getFileSystem(hadoop);
      try (OutputStream out = fs.create(written, true)) {
        JSON.writeValue(out, new Snapshot(new ArrayList<>(recent), expectations));
      }
      fs.delete(file, false);
      fs.rename(written, file);
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot write the speed layer's status to {}: {}", file, e.getMessage());
    }
  }

  /** Writes nothing more; returns once a write under way has ended. */
  public synchronized void close() {
    closed = true;
  }

  /** What the speed layer of {@code storageRoot} wrote down; empty if nothing. */
  public static Snapshot read(String storageRoot, Configuration hadoop) {
    Path file = file(storageRoot);
    try {
      FileSystem fs = file.getFileSystem(hadoop);
      if (!fs.exists(file)) {
        return Snapshot.EMPTY;
      }
      try (InputStream in = fs.open(file)) {
        return JSON.readValue(in, Snapshot.class);
      }
    } catch (IOException e) {
      LOG.warn("cannot read the speed layer's status from {}: {}", file, e.getMessage());
      return Snapshot.EMPTY;
    }
  }
}

package io.lambdaflow.views;

import static java.util.Objects.requireNonNull;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The default {@link ViewStore} ({@code store.type = folders}): Parquet folders under the storage
 * root, on any Hadoop file system. Publishing a batch run writes one new file aside and renames it
 * into place; committing a speed micro-batch renames its folder into place.
 *
 * <pre>
 * master/&lt;pipeline&gt;/&lt;source&gt;/_lambda_run=N/...     the master dataset, per run
 * views/&lt;pipeline&gt;/&lt;view&gt;/run=N/                    batch view versions
 * speed/&lt;pipeline&gt;/&lt;view&gt;/batch=ID/                  speed view micro-batches
 * state/&lt;pipeline&gt;/published/N.json                  what run N published
 * </pre>
 */
public final class FolderStore implements ViewStore {
  private static final String META = "_lambda_meta.json";

  private final String root;
  private final String pipeline;
  private final Configuration hadoop;
  // Micro-batch descriptions read before, by view and folder; a folder replaced (a replay) has a
  // new modification time.
  private final Map<String, Map<String, Described>> described = new ConcurrentHashMap<>();

  private record Described(long modified, SpeedBatch batch) {}

  private final int keepPublished;

  /**
   * @param keepPublished how many published states stay (at least 1); older ones are deleted
   */
  public FolderStore(String storageRoot, String pipeline, Configuration hadoop, int keepPublished) {
    this.root = requireNonNull(storageRoot, "storageRoot is null");
    this.pipeline = requireNonNull(pipeline, "pipeline is null");
    this.hadoop = requireNonNull(hadoop, "hadoop is null");
    if (keepPublished < 1) {
      throw new IllegalArgumentException("keepPublished must be at least 1, got " + keepPublished);
    }
    this.keepPublished = keepPublished;
  }

  @Override
  public Configuration hadoop() {
    return hadoop;
  }

  /** The master dataset of {@code source}. */
  @Override
  public Path master(String source) {
    return new Path(root + "/master/" + pipeline + "/" + source);
  }

  /** The partition of {@code source}'s master dataset that run {@code run} appends. */
  @Override
  public Path masterRun(String source, long run) {
    return new Path(master(source), RUN_COLUMN + "=" + run);
  }

  /** Where run {@code run} writes the batch view {@code view}. */
  @Override
  public Path batchView(String view, long run) {
    return new Path(root + "/views/" + pipeline + "/" + view + "/run=" + run);
  }

  /** The folder of {@code view}'s speed micro-batches. */
  @Override
  public Path speedView(String view) {
    return new Path(root + "/speed/" + pipeline + "/" + view);
  }

  private Path publishedDir() {
    return new Path(root + "/state/" + pipeline + "/published");
  }

  /** The latest published state, or {@link Published#NONE} before the first run. */
  @Override
  public Published published() {
    try {
      FileSystem fs = publishedDir().getFileSystem(hadoop);
      Optional<Path> latest = publishedFiles(fs).stream().reduce((a, b) -> b);
      if (latest.isEmpty()) {
        return Published.NONE;
      }
      try (InputStream in = fs.open(latest.get())) {
        return StoreJson.readPublished(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read what was published under " + publishedDir(), e);
    }
  }

  /**
   * The newest state published at or before {@code cutoff}, while the published history (the last
   * keep-published, ten by default) still holds one: what every serving process that refreshed
   * since {@code cutoff} has moved to or past, so what it superseded is no longer read.
   */
  @Override
  public Optional<Published> publishedAsOf(Instant cutoff) {
    try {
      FileSystem fs = publishedDir().getFileSystem(hadoop);
      List<Path> files = publishedFiles(fs);
      for (int i = files.size() - 1; i >= 0; i--) {
        Published published;
        try (InputStream in = fs.open(files.get(i))) {
          published = StoreJson.readPublished(in);
        }
        if (!published.publishedAt().isAfter(cutoff)) {
          return Optional.of(published);
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read what was published under " + publishedDir(), e);
    }
  }

  /**
   * Publishes {@code published} atomically: readers see the previous state until the rename makes
   * this one visible in a single step.
   */
  @Override
  public void publish(Published published) {
    Path target = new Path(publishedDir(), published.run() + ".json");
    Path aside = new Path(publishedDir(), "." + published.run() + ".json.tmp");
    try {
      FileSystem fs = target.getFileSystem(hadoop);
      fs.mkdirs(publishedDir());
      try (OutputStream out = fs.create(aside, true)) {
        out.write(StoreJson.write(published));
      }
      if (fs.exists(target)) {
        throw new IllegalStateException(
            "run " + published.run() + " was published already (" + target + ")");
      }
      if (!fs.rename(aside, target)) {
        throw new IOException("rename of " + aside + " to " + target + " failed");
      }
      List<Path> files = publishedFiles(fs);
      for (int i = 0; i < files.size() - keepPublished; i++) {
        fs.delete(files.get(i), false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish run " + published.run() + " to " + target, e);
    }
  }

  private List<Path> publishedFiles(FileSystem fs) throws IOException {
    List<Path> files = new ArrayList<>();
    try {
      for (FileStatus status : fs.listStatus(publishedDir())) {
        String name = status.getPath().getName();
        if (name.matches("\\d+\\.json")) {
          files.add(status.getPath());
        }
      }
    } catch (FileNotFoundException e) {
      return files;
    }
    files.sort(Comparator.comparingLong(p -> Long.parseLong(p.getName().replace(".json", ""))));
    return files;
  }

  /** Deletes a folder and everything in it, if it exists. */
  @Override
  public void delete(Path path) {
    try {
      path.getFileSystem(hadoop).delete(path, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path, e);
    }
  }

  /** Deletes batch view versions of runs before {@code keepFrom}. */
  @Override
  public void dropViewVersionsBefore(String view, long keepFrom) {
    Path parent = batchView(view, 0).getParent();
    try {
      FileSystem fs = parent.getFileSystem(hadoop);
      for (FileStatus status : listOrEmpty(fs, parent)) {
        String name = status.getPath().getName();
        if (name.matches("run=\\d+") && Long.parseLong(name.substring(4)) < keepFrom) {
          fs.delete(status.getPath(), true);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean up old versions of view " + view, e);
    }
  }

  /** The folder a micro-batch is written to before {@link #commitSpeedBatch} moves it in. */
  @Override
  public Path speedBatchAside(String view, long batchId) {
    return new Path(speedView(view), ".batch=" + batchId + ".tmp");
  }

  /**
   * Moves a written micro-batch into place with its description; a batch written before under the
   * same id (a replay after a crash) is replaced.
   */
  @Override
  public void commitSpeedBatch(String view, SpeedBatch batch) {
    Path aside = speedBatchAside(view, batch.batchId());
    Path target = new Path(speedView(view), "batch=" + batch.batchId());
    try {
      FileSystem fs = target.getFileSystem(hadoop);
      try (OutputStream out = fs.create(new Path(aside, META), true)) {
        out.write(StoreJson.write(batch));
      }
      fs.delete(target, true);
      if (!fs.rename(aside, target)) {
        throw new IOException("rename of " + aside + " to " + target + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot commit micro-batch " + batch.batchId() + " of speed view " + view, e);
    }
  }

  /**
   * Removes micro-batch {@code batchId} of {@code view}, written aside or committed: a replayed
   * micro-batch that no longer has rows past the horizon.
   */
  @Override
  public void dropSpeedBatch(String view, long batchId) {
    delete(speedBatchAside(view, batchId));
    delete(new Path(speedView(view), "batch=" + batchId));
  }

  /** The committed micro-batches of {@code view}'s speed view, by batch id. */
  @Override
  public List<SpeedBatch> speedBatches(String view) {
    Path parent = speedView(view);
    List<SpeedBatch> batches = new ArrayList<>();
    Map<String, Described> before = described.getOrDefault(view, Map.of());
    Map<String, Described> now = new LinkedHashMap<>();
    try {
      FileSystem fs = parent.getFileSystem(hadoop);
      for (FileStatus status : listOrEmpty(fs, parent)) {
        if (!status.getPath().getName().startsWith("batch=")) {
          continue;
        }
        String path = status.getPath().toString();
        Described known = before.get(path);
        if (known != null && known.modified() == status.getModificationTime()) {
          batches.add(known.batch());
          now.put(path, known);
          continue;
        }
        try (InputStream in = fs.open(new Path(status.getPath(), META))) {
          SpeedBatch batch = StoreJson.readSpeedBatch(in, path);
          now.put(path, new Described(status.getModificationTime(), batch));
          batches.add(batch);
        } catch (FileNotFoundException e) {
          // being replaced right now; the next listing sees it
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the speed view " + view + " at " + parent, e);
    }
    described.put(view, now);
    batches.sort(Comparator.comparingLong(SpeedBatch::batchId));
    return batches;
  }

  /** Deletes the micro-batches of {@code view} whose every row {@code published} covers. */
  @Override
  public int pruneSpeed(String view, Published published) {
    int pruned = 0;
    for (SpeedBatch batch : speedBatches(view)) {
      if (batch.coveredBy(published)) {
        delete(new Path(batch.path()));
        pruned++;
      }
    }
    return pruned;
  }

  /** The Parquet files directly in {@code folder}, as qualified paths. */
  @Override
  public List<String> parquetFiles(String folder) {
    Path path = new Path(folder);
    List<String> files = new ArrayList<>();
    try {
      FileSystem fs = path.getFileSystem(hadoop);
      for (FileStatus status : listOrEmpty(fs, path)) {
        if (status.isFile() && status.getPath().getName().endsWith(".parquet")) {
          files.add(status.getPath().toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + folder, e);
    }
    files.sort(null);
    return files;
  }

  private static FileStatus[] listOrEmpty(FileSystem fs, Path path) throws IOException {
    try {
      return fs.listStatus(path);
    } catch (FileNotFoundException e) {
      return new FileStatus[0];
    }
  }
}

package io.lambdaflow.serving;

import io.lambdaflow.engine.Engine;
import io.lambdaflow.engine.EngineContext;
import io.lambdaflow.pipeline.Pipeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving layer's local folder: where view files on a remote file system (HDFS, S3) are copied
 * for DuckDB to read. {@code serving.cache-dir}, or a temporary folder deleted on {@link #close}.
 */
final class ServingCache implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServingCache.class);

  private final java.nio.file.Path folder;
  private final boolean temporary;
  private final Configuration hadoop;

  ServingCache(String cacheDir, Configuration hadoop) {
    this.hadoop = hadoop;
    this.temporary = cacheDir.isEmpty();
    try {
      this.folder =
          temporary
              ? Files.createTempDirectory("lambda-serving-")
              : Files.createDirectories(java.nio.file.Path.of(cacheDir));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the serving cache " + cacheDir, e);
    }
  }

  /**
   * What an engine serving {@code pipeline} is given: this folder, the folders it may read (this
   * one and, when local, the storage root), the memory limit and the Spark session on demand.
   */
  EngineContext engineContext(Pipeline pipeline, Supplier<SparkSession> spark) {
    List<String> readable = new ArrayList<>();
    readable.add(folder.toAbsolutePath().toString());
    Path root = new Path(pipeline.storageRoot());
    if (root.toUri().getScheme() == null || "file".equals(root.toUri().getScheme())) {
      readable.add(java.nio.file.Path.of(root.toUri().getPath()).toAbsolutePath().toString());
    }
    return new EngineContext(
        pipeline.name(), folder, readable, pipeline.contract().serving().memoryLimit(), spark);
  }

  /**
   * The paths {@code engine} reads {@code files} by: an engine that reads any file system gets them
   * as they are; others get local files as they are and remote ones copied here first.
   */
  List<String> local(Engine engine, List<String> files) {
    List<String> local = new ArrayList<>();
    for (String file : files) {
      Path path = new Path(file);
      String scheme = path.toUri().getScheme();
      if (engine.readsAnyFileSystem()) {
        local.add(file);
        continue;
      }
      if (scheme == null || scheme.equals("file")) {
        local.add(path.toUri().getPath());
        continue;
      }
      java.nio.file.Path copy =
          folder
              .resolve(scheme + "/" + Objects.requireNonNullElse(path.toUri().getAuthority(), ""))
              .resolve(path.toUri().getPath().substring(1));
      try {
        if (!Files.exists(copy)) {
          Files.createDirectories(copy.getParent());
          FileSystem fs = path.getFileSystem(hadoop);
          fs.copyToLocalFile(false, path, new Path(copy.toUri()), true);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot copy " + file + " to the serving cache", e);
      }
      local.add(copy.toString());
    }
    return local;
  }

  /** Deletes the folder if it is a temporary one. */
  @Override
  public void close() {
    if (!temporary) {
      return;
    }
    try (Stream<java.nio.file.Path> paths = Files.walk(folder)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("could not delete the serving cache {}: {}", folder, e.getMessage());
    }
  }
}

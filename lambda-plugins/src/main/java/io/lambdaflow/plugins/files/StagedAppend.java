package io.lambdaflow.plugins.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An append that other appends to the same folder cannot disturb. Spark's commit protocol stages
 * every job of an application under {@code <folder>/_temporary/0}, and a job that commits or aborts
 * deletes that folder: two appends at once (the batch and the speed layer writing dead letters)
 * lost files or failed. Here each append writes a folder of its own under the target, hidden from
 * readers by its leading underscore, then moves its data files (unique names, relative partition
 * folders kept) into the target and removes the staging folder.
 */
final class StagedAppend {
  private StagedAppend() {}

  /** Runs {@code write} against a fresh staging folder under {@code target}, then publishes it. */
  static void into(String target, Configuration hadoop, Consumer<String> write) {
    Path folder = new Path(target);
    Path staging = new Path(folder, "_lambda_staging-" + UUID.randomUUID());
    try {
      FileSystem fs = folder.getFileSystem(hadoop);
      try {
        write.accept(staging.toString());
        fs.mkdirs(folder);
        move(fs, staging, folder);
      } finally {
        fs.delete(staging, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + target + ": " + e.getMessage(), e);
    }
  }

  /** Moves the data files under {@code from} to the same relative places under {@code to}. */
  private static void move(FileSystem fs, Path from, Path to) throws IOException {
    for (FileStatus entry : fs.listStatus(from)) {
      String name = entry.getPath().getName();
      if (name.startsWith("_") || name.startsWith(".")) {
        continue; // _SUCCESS, checksums: Spark's bookkeeping, not data
      }
      Path destination = new Path(to, name);
      if (entry.isDirectory()) {
        fs.mkdirs(destination);
        move(fs, entry.getPath(), destination);
      } else if (!fs.rename(entry.getPath(), destination)) {
        throw new IOException("could not move " + entry.getPath() + " to " + destination);
      }
    }
  }
}

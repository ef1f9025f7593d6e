package io.lambdaflow.hadoop;

import org.apache.hadoop.fs.LocalFileSystem;

/**
 * Hadoop's local file system (checksummed, as {@code fs.file.impl} is by default) over {@link
 * NioRawLocalFileSystem}: no {@code chmod} process per file or folder created.
 */
public class NioLocalFileSystem extends LocalFileSystem {
  public NioLocalFileSystem() {
    super(new NioRawLocalFileSystem());
  }
}

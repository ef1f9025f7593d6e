package io.lambdaflow.hadoop;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FsConstants;
import org.apache.hadoop.fs.FsServerDefaults;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.local.LocalConfigKeys;

/**
 * The local file system as {@code FileContext} sees it ({@code fs.AbstractFileSystem.file.impl}),
 * which Spark's streaming checkpoints are written through: raw, as Hadoop's {@code RawLocalFs} (no
 * {@code .crc} file beside each offset and commit log file), over {@link NioRawLocalFileSystem}.
 */
public class NioRawLocalFs extends DelegateToFileSystem {
  /** Hadoop makes it by this constructor, by reflection. */
  NioRawLocalFs(URI uri, Configuration conf) throws IOException, URISyntaxException {
    super(uri, new NioRawLocalFileSystem(), conf, FsConstants.LOCAL_FS_URI.getScheme(), false);
  }

  /**
   * Renames as Hadoop does, then removes a checksum file left beside the destination by a
   * checksummed write before (a checkpoint from an earlier version): it no longer matches, and a
   * checksummed read of the file would fail on it.
   */
  @Override
  public void renameInternal(Path src, Path dst) throws IOException {
    super.renameInternal(src, dst);
    fsImpl.delete(new Path(dst.getParent(), "." + dst.getName() + ".crc"), false);
  }

  @Override
  public int getUriDefaultPort() {
    return -1; // no port in file: URIs
  }

  @Override
  @SuppressWarnings("deprecation") // as RawLocalFs: the local defaults
  public FsServerDefaults getServerDefaults() throws IOException {
    return LocalConfigKeys.getServerDefaults();
  }

  @Override
  public FsServerDefaults getServerDefaults(Path f) throws IOException {
    return LocalConfigKeys.getServerDefaults();
  }

  @Override
  public boolean isValidName(String src) {
    return true; // any local path
  }
}

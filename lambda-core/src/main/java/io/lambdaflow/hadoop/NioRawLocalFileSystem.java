package io.lambdaflow.hadoop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's raw local file system, setting permissions and reading links through Java's file API
 * instead of starting {@code chmod} or {@code readlink}: about 8 ms each on these machines, paid
 * for every file and folder a Spark job, a streaming checkpoint or the view store creates.
 */
public class NioRawLocalFileSystem extends RawLocalFileSystem {
  private static final PosixFilePermission[] BITS = {
    PosixFilePermission.OTHERS_EXECUTE,
    PosixFilePermission.OTHERS_WRITE,
    PosixFilePermission.OTHERS_READ,
    PosixFilePermission.GROUP_EXECUTE,
    PosixFilePermission.GROUP_WRITE,
    PosixFilePermission.GROUP_READ,
    PosixFilePermission.OWNER_EXECUTE,
    PosixFilePermission.OWNER_WRITE,
    PosixFilePermission.OWNER_READ
  };

  /**
   * Sets {@code permission}'s read, write and execute bits. A sticky, setuid or setgid bit asked
   * for or already set (a folder under a group-shared one: {@code chmod} keeps a folder's setgid
   * bit, Java's file API would clear it), or a file system without POSIX permissions, is left to
   * Hadoop's own way.
   */
  @Override
  public void setPermission(Path p, FsPermission permission) throws IOException {
    short mode = permission.toShort();
    java.nio.file.Path file = pathToFile(p).toPath();
    try {
      if ((mode & ~0777) == 0 && ((Integer) Files.getAttribute(file, "unix:mode") & 07000) == 0) {
        Files.setPosixFilePermissions(file, posix(mode));
        return;
      }
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      // no POSIX permissions here: Hadoop's own way
    }
    super.setPermission(p, permission);
  }

  /**
   * A path's status, not following a link. Hadoop learns whether the path is a link by running
   * {@code readlink}; here a path that is not one is answered from its status alone, and a link is
   * left to Hadoop.
   */
  @Override
  public FileStatus getFileLinkStatus(Path f) throws IOException {
    if (Files.isSymbolicLink(pathToFile(f).toPath())) {
      return super.getFileLinkStatus(f);
    }
    return getFileStatus(f);
  }

  static Set<PosixFilePermission> posix(short mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    for (int bit = 0; bit < BITS.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(BITS[bit]);
      }
    }
    return set;
  }
}

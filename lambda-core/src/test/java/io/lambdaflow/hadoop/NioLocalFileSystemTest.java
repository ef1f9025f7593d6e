package io.lambdaflow.hadoop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NioLocalFileSystemTest {
  @TempDir java.nio.file.Path dir;

  private static Configuration conf() {
    Configuration conf = new Configuration(false);
    conf.set("fs.file.impl", NioLocalFileSystem.class.getName());
    conf.set("fs.AbstractFileSystem.file.impl", NioRawLocalFs.class.getName());
    conf.setBoolean("fs.file.impl.disable.cache", true);
    conf.set("fs.permissions.umask-mode", "022");
    return conf;
  }

  @Test
  void filesAndFoldersGetHadoopsPermissionsWithTheirChecksums() throws Exception {
    try (FileSystem fs = new Path(dir.toUri()).getFileSystem(conf())) {
      assertThat(fs).isInstanceOf(NioLocalFileSystem.class);
      Path folder = new Path(dir.toUri().toString(), "a/b");
      assertThat(fs.mkdirs(folder)).isTrue();
      Path file = new Path(folder, "data.txt");
      try (OutputStream out = fs.create(file)) {
        out.write("rows".getBytes(StandardCharsets.UTF_8));
      }
      fs.setPermission(file, new FsPermission((short) 0640));

      assertThat(perms("a")).isEqualTo("rwxr-xr-x");
      assertThat(perms("a/b")).isEqualTo("rwxr-xr-x");
      assertThat(perms("a/b/data.txt")).isEqualTo("rw-r-----");
      assertThat(Files.exists(dir.resolve("a/b/.data.txt.crc"))).isTrue(); // still checksummed
      assertThat(fs.getFileStatus(file).getPermission()).hasToString("rw-r-----");
      assertThat(new String(fs.open(file).readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("rows");
    }
  }

  @Test
  void aLinkIsStillSeenAsALinkAndAnythingElseAsItself() throws Exception {
    java.nio.file.Path target = Files.writeString(dir.resolve("target.txt"), "x");
    java.nio.file.Path link = Files.createSymbolicLink(dir.resolve("link.txt"), target);
    try (FileSystem fs = new Path(dir.toUri()).getFileSystem(conf())) {
      FileStatus plain = fs.getFileLinkStatus(new Path(target.toUri()));
      assertThat(plain.isSymlink()).isFalse();
      assertThat(plain.getLen()).isEqualTo(1);
      FileStatus linked =
          ((NioLocalFileSystem) fs).getRaw().getFileLinkStatus(new Path(link.toString()));
      assertThat(linked.isSymlink()).isTrue();
      assertThat(linked.getSymlink().toUri().getPath()).isEqualTo(target.toString());
    }
  }

  @Test
  void fileContextWritesAsideAndRenamesWithoutChecksumFiles() throws Exception {
    FileContext context = FileContext.getFileContext(dir.toUri(), conf());
    Path aside = new Path(dir.toUri().toString(), ".0.tmp");
    Path log = new Path(dir.toUri().toString(), "0");
    for (String content : new String[] {"first", "second"}) {
      try (OutputStream out =
          context.create(
              aside,
              EnumSet.of(CreateFlag.CREATE, CreateFlag.OVERWRITE),
              Options.CreateOpts.createParent())) {
        out.write(content.getBytes(StandardCharsets.UTF_8));
      }
      context.rename(aside, log, Options.Rename.OVERWRITE);
    }

    assertThat(Files.readString(dir.resolve("0"))).isEqualTo("second");
    try (var files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactly("0");
    }
    assertThat(perms("0")).isEqualTo("rw-r--r--");
  }

  @Test
  void aChecksumLeftBesideALogFromAnEarlierVersionGoesWhenTheLogIsReplaced() throws Exception {
    Files.writeString(dir.resolve("0"), "before");
    Files.writeString(dir.resolve(".0.crc"), "a checksum of before");
    Files.writeString(dir.resolve(".0.tmp"), "after");
    FileContext context = FileContext.getFileContext(dir.toUri(), conf());

    context.rename(
        new Path(dir.toUri().toString(), ".0.tmp"),
        new Path(dir.toUri().toString(), "0"),
        Options.Rename.OVERWRITE);

    assertThat(Files.readString(dir.resolve("0"))).isEqualTo("after");
    try (var files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactly("0");
    }
  }

  private String perms(String path) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(path)));
  }
}

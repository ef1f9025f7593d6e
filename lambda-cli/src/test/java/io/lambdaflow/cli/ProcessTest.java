package io.lambdaflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lambda command as its own process, as a user runs it: exit status, what it prints, and what
 * it does not start.
 */
class ProcessTest {
  @TempDir Path dir;

  record Result(int status, String out, String err) {}

  /** Runs the launcher in a child JVM with this JVM's classpath and flags, a private temp dir. */
  private Result lambda(Path tmp, String... args) throws Exception {
    return lambda(List.of(), tmp, args);
  }

  /** As {@link #lambda(Path, String...)} with more JVM options. */
  private Result lambda(List<String> jvmOptions, Path tmp, String... args) throws Exception {
    List<String> options = new ArrayList<>(jvmOptions);
    options.add("-Djava.io.tmpdir=" + tmp);
    List<String> command = LambdaProcesses.command(options, args);
    // to files, not pipes: a child blocked on a full pipe the test is not reading never exits
    Path out = Files.createTempFile(dir, "out-", ".txt");
    Path err = Files.createTempFile(dir, "err-", ".txt");
    Process process =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("lambda exits").isTrue();
    return new Result(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void validateReportsThreeMistakesWithFileAndLineAndStartsNoSpark() throws Exception {
    Path conf =
        Files.writeString(
            dir.resolve("broken.conf"),
            """
        layers = [batch]
        sources {
          events { type = files, format = json }
        }
        transforms = [
          { type = fliter, condition = "event_type = 'purchase_sword'" }
        ]
        sinks {
          out { type = files, path = out, partition-by = date }
        }
        """);
    Path tmp = Files.createDirectories(dir.resolve("tmp"));

    Result result = lambda(tmp, "validate", "broken.conf");

    assertThat(result.status()).isEqualTo(2);
    assertThat(result.err())
        .isEqualTo(
            """
        broken.conf: 3 configuration problems:
          broken.conf:3: sources.events.path: missing required option 'path' (a string) of source type 'files': \
        The file or directory to read (a local path or a Hadoop URI; globs allowed).
          broken.conf:6: transforms[0].type: unknown transform type 'fliter'; did you mean 'filter'? (known transform \
        types: cast, dedupe, drop, explode, filter, join, normalize-unicode, parse-csv, parse-json, parse-quantity, \
        regex-replace, rename, select, split, sql, watermark, with-column)
          broken.conf:9: sinks.out.partition-by: expected a list of strings, got string 'date'
        """);
    // A Spark context always makes spark-* and blockmgr-* folders in java.io.tmpdir; none appeared.
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left).isEmpty();
    }
    assertThat(conf).exists();
  }

  @Test
  void aCustomTransformFromItsOwnJarIsUsedByShortName() throws Exception {
    Path jar = FixtureJars.build(dir, "shout", List.of("lambda-api"));
    Path data = Files.createDirectories(dir.resolve("in"));
    Files.write(data.resolve("lines.txt"), List.of("hello", "lambda"));
    Files.writeString(
        dir.resolve("shout.conf"),
        """
        layers = [batch]
        storage-root = root
        sources { lines { type = files, format = text, path = in } }
        transforms = [ { type = shout, column = value, marks = 2 } ]
        sinks { out { type = files, format = text, mode = overwrite, path = out } }
        """);
    Path tmp = Files.createDirectories(dir.resolve("tmp"));

    Result without = lambda(tmp, "validate", "shout.conf");
    assertThat(without.status()).isEqualTo(2);
    assertThat(without.err())
        .contains(
            "shout.conf:4: transforms[0].type: unknown transform type 'shout'",
            "if a plugin jar provides it, add the jar with --jars");

    Result with = lambda(tmp, "batch", "shout.conf", "--jars", jar.toString());
    assertThat(with.status()).as(with.err()).isZero();
    List<String> lines = new ArrayList<>();
    try (Stream<Path> parts = Files.list(dir.resolve("out"))) {
      for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
        lines.addAll(Files.readAllLines(part));
      }
    }
    assertThat(lines).containsExactlyInAnyOrder("HELLO!!", "LAMBDA!!");
  }

  @Test
  void aFullDiskIsOneLineNamingTheSinkWithoutAStackTrace() throws Exception {
    Path full = Files.createDirectories(dir.resolve("full"));
    mountTmpfs(full, "64k");
    try {
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < 20_000; i++) {
        lines.add("line " + i + " of a text that fills a small disk quickly");
      }
      Files.createDirectories(dir.resolve("in"));
      Files.write(dir.resolve("in/lines.txt"), lines);
      Files.writeString(
          dir.resolve("full.conf"),
          "name = full\nlayers = [batch]\nstorage-root = root\n"
              + "sources { lines { type = files, format = text, path = in } }\n"
              + "sinks { out { type = files, format = text, path = \""
              + full.resolve("out")
              + "\" } }\n");
      Path tmp = Files.createDirectories(dir.resolve("tmp"));
      Path logging = Path.of("target/classes/log4j2.properties").toAbsolutePath();

      Result result =
          lambda(List.of("-Dlog4j2.configurationFile=" + logging), tmp, "batch", "full.conf");

      assertThat(result.status()).as(result.err()).isEqualTo(1);
      assertThat(result.err())
          .endsWith(
              "lambda batch: pipeline 'full' failed: sink 'out' (type files) failed: no space left"
                  + " on device (free space where this writes, then run again)\n")
          .doesNotContain("\tat ", "Exception", "FSError");
    } finally {
      new ProcessBuilder("umount", full.toString()).start().waitFor(1, TimeUnit.MINUTES);
    }
  }

  @Test
  void batchAndServeLeaveNoTemporaryFolderBehind() throws Exception {
    Files.createDirectories(dir.resolve("in"));
    Files.write(dir.resolve("in/events.jsonl"), List.of("{\"host\":\"a\"}", "{\"host\":\"b\"}"));
    Files.writeString(
        dir.resolve("served.conf"),
        """
        name = served
        layers = [batch]
        storage-root = root
        sources { events { type = files, format = json, schema = "host STRING", path = in } }
        views { hosts { type = aggregate, group-by = [host], measures { n = count } } }
        """);
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    assertThat(lambda(tmp, "batch", "served.conf").status()).isZero();
    // Spark's spark-* and blockmgr-* folders, and Hive's session folders (a view registers its
    // table in the Derby metastore), are all gone once the batch run has exited.
    assertThat(entries(tmp)).as("java.io.tmpdir after the batch run").isEmpty();

    Path out = dir.resolve("serve.out");
    Process serve =
        new ProcessBuilder(
                LambdaProcesses.command(
                    List.of("-Djava.io.tmpdir=" + tmp), "serve", "served.conf", "--port", "0"))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    try {
      await("serving")
          .atMost(Duration.ofMinutes(2))
          .until(() -> Files.readString(out).contains("Ctrl-C stops it"));
      assertThat(servingFolders(tmp)).as("the serving cache while serving").hasSize(1);
    } finally {
      serve.destroy(); // SIGTERM
      assertThat(serve.waitFor(1, TimeUnit.MINUTES)).as("stops on SIGTERM").isTrue();
    }
    assertThat(serve.exitValue()).as(Files.readString(out)).isZero();
    assertThat(Files.readString(out))
        .contains("serving of 'served' stopped")
        .doesNotContain("\tat ");
    assertThat(entries(tmp)).as("java.io.tmpdir after SIGTERM").isEmpty();
  }

  private static List<String> entries(Path dir) throws IOException {
    try (Stream<Path> paths = Files.list(dir)) {
      return paths.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static List<Path> servingFolders(Path tmp) throws IOException {
    try (Stream<Path> paths = Files.list(tmp)) {
      return paths.filter(p -> p.getFileName().toString().startsWith("lambda-serving-")).toList();
    }
  }

  /** Mounts a tmpfs of {@code size} on {@code dir}: a disk that fills; skips the test without. */
  private static void mountTmpfs(Path dir, String size) throws Exception {
    String said;
    int status;
    try {
      Process mount =
          new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
              .redirectErrorStream(true)
              .start();
      said = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      status = mount.waitFor();
    } catch (IOException e) {
      said = e.getMessage();
      status = -1;
    }
    Assumptions.assumeTrue(
        status == 0, "a full disk needs a tmpfs of its own (root may mount one): " + said);
  }
}

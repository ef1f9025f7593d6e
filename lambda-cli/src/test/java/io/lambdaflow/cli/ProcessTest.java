package io.lambdaflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
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
    List<String> command = LambdaProcesses.command(List.of("-Djava.io.tmpdir=" + tmp), args);
    Process process = new ProcessBuilder(command).directory(dir.toFile()).start();
    process.getOutputStream().close();
    byte[] out = process.getInputStream().readAllBytes();
    byte[] err = process.getErrorStream().readAllBytes();
    assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("lambda exits").isTrue();
    return new Result(
        process.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
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
        types: cast, dedupe, drop, explode, filter, parse-csv, parse-json, rename, select, split, sql, watermark, with-column)
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
    Path jar = buildFixtureJar();
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
        .contains("shout.conf:4: transforms[0].type: unknown transform type 'shout'");

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

  /** Compiles the fixture plugin against the SPI and packs it with its service file. */
  private Path buildFixtureJar() throws IOException {
    Path classes = Files.createDirectories(dir.resolve("fixture-classes"));
    Path source =
        Path.of("src/test/resources/fixtures/shout/io/example/ShoutTransformFactory.java");
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    int status =
        compiler.run(
            null,
            null,
            null,
            "-d",
            classes.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            source.toString());
    assertThat(status).as("fixture compiles").isZero();
    Path jar = dir.resolve("shout-plugin.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("META-INF/services/io.lambdaflow.spi.TransformFactory"));
      out.write(
          Files.readAllBytes(
              Path.of("src/test/resources/fixtures/shout/io.lambdaflow.spi.TransformFactory")));
      out.closeEntry();
      try (Stream<Path> files = Files.walk(classes)) {
        for (Path file : files.filter(Files::isRegularFile).toList()) {
          out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
          try (InputStream in = Files.newInputStream(file)) {
            in.transferTo(out);
          }
          out.closeEntry();
        }
      }
    }
    return jar;
  }
}

package io.lambdaflow.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/** Starts {@code lambda} as its own JVM, as a user's shell would, for tests that kill it. */
final class LambdaProcesses {
  private LambdaProcesses() {}

  /** The recorded archive's JVM options, once known; empty when there is none. */
  private static List<String> archive;

  /** The children's classpath, once made. */
  private static String classpath;

  /**
   * The command line of {@code lambda args...} in a child JVM: this JVM's java, its module and
   * reflection flags (what Spark needs on Java 17), {@code jvmOptions}, and its classpath. Only the
   * C1 compiler: these JVMs live for seconds, and a batch run of the quickstart takes 9 s of wall
   * time so instead of 14 (C2 pays off in long runs, so {@code bin/lambda} keeps it). The classes
   * of a batch run come from a class-data archive, as {@code bin/lambda warm-up} gives users: ~3 s
   * less per child, recorded once per test JVM (see {@link #archive}).
   */
  static List<String> command(List<String> jvmOptions, String... args) {
    List<String> options = new ArrayList<>(archive());
    options.addAll(jvmOptions);
    return plain(options, args);
  }

  private static List<String> plain(List<String> jvmOptions, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(
            a ->
                a.startsWith("--add-opens")
                    || a.startsWith("--add-exports")
                    || a.startsWith("-XX:+Ignore")
                    || a.startsWith("-Djdk.reflect"))
        .forEach(command::add);
    command.add("-XX:TieredStopAtLevel=1");
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classpath());
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    return command;
  }

  /**
   * This JVM's classpath with each folder (this module's classes and test classes) replaced by a
   * jar of it, made once: the JVM records no class-data archive over a classpath with a folder.
   */
  private static synchronized String classpath() {
    if (classpath == null) {
      List<String> entries = new ArrayList<>();
      try {
        Path folder = Files.createDirectories(Path.of("target", "test-class-archive"));
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
          Path path = Path.of(entry);
          if (Files.isDirectory(path)) {
            Path jar = folder.resolve(entries.size() + "-" + path.getFileName() + ".jar");
            jar(path, jar);
            entries.add(jar.toAbsolutePath().toString());
          } else {
            entries.add(entry);
          }
        }
        classpath = String.join(File.pathSeparator, entries);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot make the children's classpath", e);
      }
    }
    return classpath;
  }

  private static void jar(Path folder, Path jar) throws IOException {
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(folder)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        out.putNextEntry(new JarEntry(folder.relativize(file).toString().replace('\\', '/')));
        Files.copy(file, out);
        out.closeEntry();
      }
    }
  }

  /**
   * Options that map an archive of the classes a batch run of the quickstart loads, recorded on
   * first use by running it in a child JVM (~20 s, once per test JVM, in {@code target}); none when
   * the quickstart is not beside this module or the recording fails, and the children then load
   * every class from the jars as before. A JVM that finds the archive stale (another classpath or
   * JDK) ignores it.
   */
  private static synchronized List<String> archive() {
    if (archive != null) {
      return archive;
    }
    archive = List.of();
    Path root = Path.of("").toAbsolutePath().getParent();
    Path quickstart = root.resolve("conf/quickstart.conf");
    if (!Files.isRegularFile(quickstart)) {
      return archive;
    }
    try {
      Path folder = Files.createDirectories(Path.of("target", "test-class-archive"));
      Path file = folder.resolve("lambda.jsa").toAbsolutePath();
      Files.deleteIfExists(file);
      Path tmp = Files.createDirectories(folder.resolve("tmp")).toAbsolutePath();
      List<String> record =
          plain(
              List.of(
                  "-XX:ArchiveClassesAtExit=" + file,
                  "-Xlog:cds=off",
                  "-Xlog:cds+dynamic=off",
                  "-Xmx1g",
                  "-Djava.io.tmpdir=" + tmp),
              "batch",
              quickstart.toString());
      ProcessBuilder builder = new ProcessBuilder(record).directory(root.toFile());
      builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      builder
          .environment()
          .put("LAMBDA_STORAGE_ROOT", folder.resolve("storage").toAbsolutePath().toString());
      Process recording =
          builder
              .redirectErrorStream(true)
              .redirectOutput(folder.resolve("recording.log").toFile())
              .start();
      try {
        if (recording.waitFor(3, TimeUnit.MINUTES)
            && recording.exitValue() == 0
            && Files.isRegularFile(file)) {
          archive =
              List.of(
                  "-XX:SharedArchiveFile=" + file,
                  "-Xshare:auto",
                  "-Xlog:cds=off",
                  "-Xlog:cds+dynamic=off");
        }
      } finally {
        recording.destroyForcibly(); // a recording that hangs, or a test interrupted meanwhile
      }
    } catch (IOException e) {
      // no archive: the children load their classes from the jars
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return archive;
  }

  /**
   * Runs {@code lambda args...} with the test's classpath and JVM flags, working directory {@code
   * dir}, output to a log file there, and {@code dir/tmp} as its temporary directory: a process the
   * test kills runs no shutdown hook, and Spark's spark-* and blockmgr-* folders it made are
   * deleted with the test's folder instead of piling up in the machine's.
   */
  static Process start(Path dir, String... args) throws Exception {
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    List<String> command = command(List.of("-Xmx1g", "-Djava.io.tmpdir=" + tmp), args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    File log = dir.resolve("lambda-" + System.nanoTime() + ".log").toFile();
    return builder.redirectErrorStream(true).redirectOutput(log).start();
  }
}

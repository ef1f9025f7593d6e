package io.lambdaflow.cli;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts {@code lambda} as its own JVM, as a user's shell would, for tests that kill it. */
final class LambdaProcesses {
  private LambdaProcesses() {}

  /**
   * The command line of {@code lambda args...} in a child JVM: this JVM's java, its module and
   * reflection flags (what Spark needs on Java 17), {@code jvmOptions}, and its classpath. Only the
   * C1 compiler: these JVMs live for seconds, and a batch run of the quickstart takes 9 s of wall
   * time so instead of 14 (C2 pays off in long runs, so {@code bin/lambda} keeps it).
   */
  static List<String> command(List<String> jvmOptions, String... args) {
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
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    return command;
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

package io.lambdaflow.cli;

import io.lambdaflow.Lambdaflow;
import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.config.PipelineLoader;
import io.lambdaflow.embedded.SparkJars;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.ShutdownHooks;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code lambda package FILE [--out JAR]} builds an application jar for stock spark-submit; {@code
 * lambda submit FILE|JAR --master URL [--layer batch|speed] [--deploy-mode client|cluster]} runs
 * one through Spark's own launcher: {@code $SPARK_HOME/bin/spark-submit} when {@code SPARK_HOME}
 * names a Spark installation, else Spark's {@code SparkSubmit} in a JVM of Spark's jars from
 * lambda's classpath. The serving layer is not submitted: it stays a service beside the cluster.
 */
final class Submit {
  private Submit() {}

  static int pack(PipelineLoader loader, CommandLine command, PrintStream out, PrintStream err) {
    Optional<Pipeline> pipeline = validated(loader, command, err);
    if (pipeline.isEmpty()) {
      return Launcher.CONFIGURATION_ERROR;
    }
    Path jar = Path.of(command.flag("--out", "target/" + pipeline.get().name() + "-app.jar"));
    try {
      Packager.Packed packed = Packager.pack(command.file(), command.jars(), jar);
      out.printf(
          "packaged pipeline '%s' into %s (%,d MB, %d jars merged; %s)%n"
              + "run it: spark-submit --master URL %s batch|speed [-Dkey=value ...]%n",
          pipeline.get().name(), jar, Files.size(jar) >> 20, packed.jars(), plugins(packed), jar);
      return Launcher.OK;
    } catch (IOException | RuntimeException e) {
      err.println("lambda package: cannot write " + jar + ": " + e.getMessage());
      return Launcher.RUNTIME_FAILURE;
    }
  }

  static int submit(PipelineLoader loader, CommandLine command, PrintStream out, PrintStream err) {
    String master = command.flags().get("--master");
    String layer = command.flag("--layer", "batch");
    if (command.file() == null || master == null) {
      err.println(
          "lambda submit: usage: lambda submit FILE|APP.jar --master URL [--layer batch|speed]"
              + " [--deploy-mode client|cluster]");
      return Launcher.CONFIGURATION_ERROR;
    }
    if (!Set.of("batch", "speed").contains(layer)) {
      err.println(
          "lambda submit: --layer is batch or speed; the serving layer runs beside the cluster"
              + " (lambda serve FILE)");
      return Launcher.CONFIGURATION_ERROR;
    }
    Path jar = command.file();
    if (!jar.toString().endsWith(".jar")) {
      Optional<Pipeline> pipeline = validated(loader, command, err);
      if (pipeline.isEmpty()) {
        return Launcher.CONFIGURATION_ERROR;
      }
      jar = Path.of("target", "lambda-submit", pipeline.get().name() + ".jar");
      try {
        Packager.pack(command.file(), command.jars(), jar);
      } catch (IOException | RuntimeException e) {
        err.println("lambda submit: cannot write " + jar + ": " + e.getMessage());
        return Launcher.RUNTIME_FAILURE;
      }
    } else if (!Files.isRegularFile(jar)) {
      err.println("lambda submit: no application jar at " + jar);
      return Launcher.CONFIGURATION_ERROR;
    }
    List<String> arguments = new ArrayList<>();
    // bin/lambda's quiet logging (WARN for Spark, INFO for ours) rather than Spark's INFO default.
    String logging =
        "-Dlog4j2.configurationFile=jar:" + jar.toAbsolutePath().toUri() + "!/log4j2.properties";
    arguments.addAll(List.of("--driver-java-options", logging));
    arguments.addAll(List.of("--master", master));
    arguments.addAll(List.of("--deploy-mode", command.flag("--deploy-mode", "client")));
    arguments.addAll(List.of("--class", Submitted.class.getName()));
    arguments.addAll(List.of("--name", "lambda " + layer + " " + jar.getFileName()));
    arguments.add(jar.toAbsolutePath().toString());
    arguments.add(layer);
    command.overrides().forEach((key, value) -> arguments.add("-D" + key + "=" + value));
    try {
      Process spark = start(arguments, logging);
      List<Thread> pumps =
          List.of(
              new Thread(() -> copy(spark.getInputStream(), out), "spark-submit-out"),
              new Thread(() -> copy(spark.getErrorStream(), err), "spark-submit-err"));
      pumps.forEach(Thread::start);
      // The speed layer: SIGTERM or Ctrl-C stops spark-submit the same way (the layer stops after
      // its current micro-batch) and exits with its status. Any other shutdown takes it down too.
      Runnable stop =
          () -> {
            spark.destroy();
            try {
              if (!spark.waitFor(60, TimeUnit.SECONDS)) {
                spark.destroyForcibly();
              }
            } catch (InterruptedException e) {
              spark.destroyForcibly();
            }
          };
      if (layer.equals("speed")) {
        ShutdownHooks.onTermination("spark-submit", stop);
      }
      Thread hook = new Thread(stop, "stop-spark-submit");
      Runtime.getRuntime().addShutdownHook(hook);
      int status = spark.waitFor();
      for (Thread pump : pumps) {
        pump.join(); // every line of its output printed before the exit status is
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it waits for the same process
      }
      return status;
    } catch (IOException e) {
      err.println("lambda submit: cannot start spark-submit: " + e.getMessage());
      return Launcher.RUNTIME_FAILURE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Launcher.RUNTIME_FAILURE;
    }
  }

  /** spark-submit with {@code arguments}: the installation's, or Spark's class on our jars. */
  private static Process start(List<String> arguments, String logging) throws IOException {
    List<String> command = new ArrayList<>();
    String home = System.getenv("SPARK_HOME");
    Path script = home == null ? null : Path.of(home, "bin", "spark-submit");
    if (script != null && Files.isExecutable(script)) {
      command.add(script.toString());
    } else {
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(Lambdaflow.jvmFlags());
      command.add(logging); // this JVM is the driver in client mode
      command.add("-cp");
      command.add(SparkJars.join(SparkJars.onClasspath()));
      command.add("org.apache.spark.deploy.SparkSubmit");
    }
    command.addAll(arguments);
    return new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
  }

  /** Copies a child's output to ours, line by line, until it closes. */
  private static void copy(InputStream from, PrintStream to) {
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(from, StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        to.println(line);
      }
    } catch (IOException closed) {
      // the child is gone
    }
  }

  private static Optional<Pipeline> validated(
      PipelineLoader loader, CommandLine command, PrintStream err) {
    if (command.file() == null) {
      err.println("lambda " + command.verb() + ": which pipeline file?");
      return Optional.empty();
    }
    try {
      return Optional.of(loader.load(command.file(), command.overrides()));
    } catch (ConfigurationException e) {
      err.println(command.file() + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  /** "12 sources, 17 transforms, ..." of a packed jar. */
  private static String plugins(Packager.Packed packed) {
    List<String> counts = new ArrayList<>();
    for (Map.Entry<String, String> kind :
        Map.of(
                "io.lambdaflow.spi.SourceFactory", "source",
                "io.lambdaflow.spi.TransformFactory", "transform",
                "io.lambdaflow.spi.SinkFactory", "sink",
                "io.lambdaflow.layer.LayerFactory", "layer")
            .entrySet()) {
      int n = packed.services().getOrDefault(kind.getKey(), List.of()).size();
      counts.add(n + " " + kind.getValue() + " plugin factories");
    }
    counts.sort(null);
    return String.join(", ", counts);
  }
}

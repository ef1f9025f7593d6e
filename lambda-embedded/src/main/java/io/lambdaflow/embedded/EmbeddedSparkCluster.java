package io.lambdaflow.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Spark standalone cluster on 127.0.0.1: a master and workers, each a child JVM started from
 * Spark's own jars (a {@code SPARK_HOME} whose {@code jars/} links to them); the workers start
 * executors as JVMs of their own, as on any cluster. For tests and for {@code lambda cluster}.
 * {@link #close()} stops them all (executors die with their worker) and deletes the folder.
 */
public final class EmbeddedSparkCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedSparkCluster.class);
  private static final Pattern ALIVE = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");

  private final Path home;
  private final int port;
  private final int webPort;
  private final Process master;
  private final List<Process> workers;

  private EmbeddedSparkCluster(
      Path home, int port, int webPort, Process master, List<Process> workers) {
    this.home = home;
    this.port = port;
    this.webPort = webPort;
    this.master = master;
    this.workers = workers;
  }

  /**
   * Starts a master on {@code port} (0: a free one) and {@code workers} workers of {@code cores}
   * cores and {@code memory} (such as "1g") each, and waits until every worker registered.
   *
   * @param jvmFlags the flags Spark needs on this Java (--add-opens ...)
   * @throws IllegalStateException when Spark's jars are not on the classpath, the port is taken or
   *     the cluster does not come up within a minute
   */
  public static EmbeddedSparkCluster start(
      int port, int workers, int cores, String memory, List<String> jvmFlags) {
    Instant started = Instant.now();
    List<Path> jars = SparkJars.onClasspath();
    int chosen = port == 0 ? Ports.free() : port;
    int web = Ports.free();
    Path home;
    try {
      home = Files.createTempDirectory("lambda-spark-");
      Path folder = Files.createDirectories(home.resolve("jars"));
      for (Path jar : jars) {
        Files.createSymbolicLink(folder.resolve(jar.getFileName()), jar);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the embedded cluster's SPARK_HOME", e);
    }
    List<Process> processes = new ArrayList<>();
    try {
      ChildProcesses.checkFree(chosen);
      Process master =
          launch(
              home,
              "master",
              jvmFlags,
              List.of(
                  "org.apache.spark.deploy.master.Master",
                  "--host",
                  "127.0.0.1",
                  "--port",
                  String.valueOf(chosen),
                  "--webui-port",
                  String.valueOf(web)));
      processes.add(master);
      ChildProcesses.await(
          master, home.resolve("master.log"), Duration.ofSeconds(60), () -> alive(web) >= 0);
      for (int i = 1; i <= workers; i++) {
        Path work = Files.createDirectories(home.resolve("work-" + i));
        processes.add(
            launch(
                home,
                "worker-" + i,
                jvmFlags,
                List.of(
                    "org.apache.spark.deploy.worker.Worker",
                    "--host",
                    "127.0.0.1",
                    "--webui-port",
                    "0",
                    "--cores",
                    String.valueOf(cores),
                    "--memory",
                    memory,
                    "--work-dir",
                    work.toString(),
                    "spark://127.0.0.1:" + chosen)));
      }
      ChildProcesses.await(
          master, home.resolve("master.log"), Duration.ofSeconds(60), () -> alive(web) == workers);
      LOG.info(
          "embedded Spark standalone cluster up at spark://127.0.0.1:{} ({} workers) in {} ms",
          chosen,
          workers,
          Duration.between(started, Instant.now()).toMillis());
      return new EmbeddedSparkCluster(
          home, chosen, web, master, List.copyOf(processes.subList(1, processes.size())));
    } catch (IOException | RuntimeException e) {
      processes.forEach(ChildProcesses::stop);
      ChildProcesses.delete(home);
      throw new IllegalStateException(
          "the embedded Spark cluster did not start: " + e.getMessage(), e);
    }
  }

  private static Process launch(Path home, String name, List<String> jvmFlags, List<String> main)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ChildProcesses.java());
    command.addAll(jvmFlags);
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(home.resolve("jars") + "/*");
    command.addAll(main);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(home.resolve(name + ".log").toFile());
    Map<String, String> env = builder.environment();
    env.put("SPARK_HOME", home.toString());
    env.put("SPARK_SCALA_VERSION", "2.12"); // else the worker looks for a source build's folders
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.remove("SPARK_CONF_DIR");
    return builder.start();
  }

  /** Workers the master counts alive, from its web UI's JSON; -1 while it does not answer. */
  private static int alive(int webPort) {
    try {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + "/json/"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      Matcher m = ALIVE.matcher(response.body());
      return response.statusCode() == 200 && m.find() ? Integer.parseInt(m.group(1)) : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The master's URL for {@code --master} or {@code spark.master}. */
  public String masterUrl() {
    return "spark://127.0.0.1:" + port;
  }

  /** The master's web UI. */
  public String webUrl() {
    return "http://127.0.0.1:" + webPort;
  }

  /** The cluster's {@code SPARK_HOME}: {@code jars/} links to Spark's jars. */
  public Path sparkHome() {
    return home;
  }

  /** The executor JVMs the workers run now. */
  public List<ProcessHandle> executors() {
    return workers.stream()
        .flatMap(w -> w.toHandle().descendants())
        .filter(
            p ->
                p.info()
                    .commandLine()
                    .orElse("")
                    .contains("org.apache.spark.executor.CoarseGrainedExecutorBackend"))
        .toList();
  }

  @Override
  public synchronized void close() {
    for (Process worker : workers) {
      worker.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      ChildProcesses.stop(worker);
    }
    ChildProcesses.stop(master);
    ChildProcesses.delete(home);
  }
}

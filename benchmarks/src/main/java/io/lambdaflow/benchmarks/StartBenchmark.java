package io.lambdaflow.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Small runs: {@code bin/lambda batch conf/quickstart.conf} (1,000 events) as a user starts it, a
 * new JVM each time, timed from the command's start and from the JVM created to its exit: as built,
 * with the class-data archive of {@code lambda warm-up}, with that archive and the client compiler
 * only, and with the archive and {@code bin/lambda}'s options for small runs ({@code
 * LAMBDA_SMALL_RUNS=1}: the client compiler and the serial collector).
 */
public final class StartBenchmark {
  private static final Pattern RUN = Pattern.compile("finished in ([0-9.]+) s");
  private static final Pattern CREATED = Pattern.compile("^\\[(\\d+)ms\\].*Create VM");

  /**
   * One way of starting: the wall seconds of each command, of the same after its JVM was created
   * (from the JVM's own "Create VM" mark, {@code -Xlog:startuptime}), and the run's own seconds.
   */
  public record Variant(String name, List<Double> wall, List<Double> afterJvm, List<Double> run) {
    public double wallMedian() {
      return BatchBenchmark.median(wall);
    }

    public double afterJvmMedian() {
      return BatchBenchmark.median(afterJvm);
    }

    public double runMedian() {
      return BatchBenchmark.median(run);
    }
  }

  private StartBenchmark() {}

  public static List<Variant> run(int runs, Path work) throws Exception {
    Path home = Path.of("").toAbsolutePath();
    Map<String, Map<String, String>> variants = new LinkedHashMap<>();
    variants.put("as built", Map.of("LAMBDA_CDS", "off"));
    variants.put("class-data archive (lambda warm-up)", Map.of());
    variants.put(
        "archive + client compiler only", Map.of("LAMBDA_JAVA_OPTS", "-XX:TieredStopAtLevel=1"));
    variants.put("archive + LAMBDA_SMALL_RUNS=1", Map.of("LAMBDA_SMALL_RUNS", "1"));
    command(home, work, Map.of(), "warm-up");
    Map<String, List<Double>> wall = new LinkedHashMap<>();
    Map<String, List<Double>> afterJvm = new LinkedHashMap<>();
    Map<String, List<Double>> run = new LinkedHashMap<>();
    Path startup = work.resolve("startup.log");
    for (Map.Entry<String, Map<String, String>> variant : variants.entrySet()) {
      command(home, work, variant.getValue(), "batch"); // the file system cache, once
      wall.put(variant.getKey(), new ArrayList<>());
      afterJvm.put(variant.getKey(), new ArrayList<>());
      run.put(variant.getKey(), new ArrayList<>());
    }
    // The variants in turn, so that the machine's drift over the minutes falls on all of them.
    for (int i = 0; i < runs; i++) {
      for (Map.Entry<String, Map<String, String>> variant : variants.entrySet()) {
        Map<String, String> env = new LinkedHashMap<>(variant.getValue());
        // The wall-clock time the JVM was created, logged by the JVM itself.
        env.put(
            "LAMBDA_JAVA_OPTS",
            (env.getOrDefault("LAMBDA_JAVA_OPTS", "")
                    + " -Xlog:startuptime:file="
                    + startup
                    + ":timemillis:filecount=0")
                .trim());
        Files.deleteIfExists(startup);
        long start = System.nanoTime();
        String output = command(home, work, env, "batch");
        long ended = System.currentTimeMillis();
        wall.get(variant.getKey()).add((System.nanoTime() - start) / 1e9);
        afterJvm.get(variant.getKey()).add((ended - jvmCreated(startup)) / 1e3);
        Matcher finished = RUN.matcher(output);
        run.get(variant.getKey())
            .add(finished.find() ? Double.parseDouble(finished.group(1)) : Double.NaN);
      }
    }
    List<Variant> results = new ArrayList<>();
    variants
        .keySet()
        .forEach(
            name ->
                results.add(new Variant(name, wall.get(name), afterJvm.get(name), run.get(name))));
    return results;
  }

  /** When the JVM logging to {@code startup} finished creating itself, in epoch milliseconds. */
  static long jvmCreated(Path startup) throws IOException {
    for (String line : Files.readAllLines(startup)) {
      Matcher created = CREATED.matcher(line);
      if (created.find()) {
        return Long.parseLong(created.group(1));
      }
    }
    throw new IllegalStateException("no 'Create VM' line in " + startup);
  }

  private static String command(Path home, Path work, Map<String, String> env, String verb)
      throws IOException, InterruptedException {
    Path storage = Files.createDirectories(work).resolve("quickstart");
    deleteTree(storage);
    List<String> args = new ArrayList<>(List.of(home.resolve("bin/lambda").toString(), verb));
    if (verb.equals("batch")) {
      args.add(home.resolve("conf/quickstart.conf").toString());
    }
    ProcessBuilder builder = new ProcessBuilder(args).directory(home.toFile());
    builder.environment().putAll(env);
    builder.environment().put("LAMBDA_STORAGE_ROOT", storage.toString());
    builder.redirectErrorStream(true);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IllegalStateException("bin/lambda " + verb + " failed:\n" + output);
    }
    return output;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

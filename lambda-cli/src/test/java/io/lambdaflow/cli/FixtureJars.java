package io.lambdaflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Third-party plugin jars built at test time from {@code src/test/resources/fixtures/NAME}: its
 * sources compiled against only the modules a plugin author would use, packed with its service
 * file.
 */
final class FixtureJars {
  private FixtureJars() {}

  /**
   * Compiles fixture {@code name} against {@code modules} of ours (lambda-api for sources,
   * transforms and sinks; lambda-core as well for layers, engines and stores) and the libraries
   * they expose (Spark, Hadoop), and packs it with its one service file.
   */
  static Path build(Path dir, String name, List<String> modules) throws IOException {
    Path fixture = Path.of("src/test/resources/fixtures", name);
    Path classes = Files.createDirectories(dir.resolve(name + "-classes"));
    List<String> sources;
    Path service;
    try (Stream<Path> files = Files.walk(fixture)) {
      List<Path> all = files.filter(Files::isRegularFile).toList();
      sources =
          all.stream().filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
      service =
          all.stream()
              .filter(p -> p.getFileName().toString().startsWith("io.lambdaflow."))
              .findFirst()
              .orElseThrow();
    }
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    String[] arguments =
        Stream.concat(
                Stream.of(
                    "-d",
                    classes.toString(),
                    "-cp",
                    only(System.getProperty("java.class.path"), modules)),
                sources.stream())
            .toArray(String[]::new);
    assertThat(compiler.run(null, null, null, arguments))
        .as("fixture " + name + " compiles against " + modules + " alone")
        .isZero();
    Path jar = dir.resolve(name + "-plugin.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("META-INF/services/" + service.getFileName()));
      out.write(Files.readAllBytes(service));
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

  /**
   * {@code classpath} without any module of ours but {@code modules}, nor the config and injection
   * libraries the core uses: what a plugin author compiles against (Spark is provided).
   */
  private static String only(String classpath, List<String> modules) {
    return Arrays.stream(classpath.split(File.pathSeparator))
        .filter(
            entry ->
                modules.stream().anyMatch(entry::contains)
                    || !(entry.contains("/io/lambdaflow/")
                        || entry.contains("/target/")
                        || entry.contains("/com/typesafe/config/")
                        || entry.contains("/com/google/inject/")))
        .collect(Collectors.joining(File.pathSeparator));
  }
}

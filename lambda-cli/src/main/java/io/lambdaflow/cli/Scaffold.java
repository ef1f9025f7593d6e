package io.lambdaflow.cli;

import io.lambdaflow.Lambdaflow;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code lambda init NAME [--package P] [--dir DIR]}: a new custom-pipeline project, built with
 * Maven against this version of lambdaflow: a pom importing the BOM, a transform plugin with its
 * service entry, a pipeline file using it, sample data, a test written with the test kit and a
 * README saying how to build and run it. The templates are in {@code io/lambdaflow/cli/scaffold}.
 */
final class Scaffold {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");
  private static final Pattern PACKAGE = Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)*");
  private static final String TEMPLATES = "/io/lambdaflow/cli/scaffold/";

  private Scaffold() {}

  static int run(CommandLine command, PrintStream out, PrintStream err) {
    if (command.file() == null) {
      err.println("lambda init: usage: lambda init NAME [--package P] [--dir DIR]");
      return Launcher.CONFIGURATION_ERROR;
    }
    String name = command.file().toString();
    if (!NAME.matcher(name).matches()) {
      err.println(
          "lambda init: '"
              + name
              + "' cannot name a project: lower-case words joined by hyphens, such as"
              + " 'card-masking'");
      return Launcher.CONFIGURATION_ERROR;
    }
    String pkg = command.flag("--package", "com.example." + name.replace("-", ""));
    if (!PACKAGE.matcher(pkg).matches()) {
      err.println("lambda init: '" + pkg + "' is not a Java package name, such as com.example.x");
      return Launcher.CONFIGURATION_ERROR;
    }
    Path dir = Path.of(command.flag("--dir", name));
    try {
      if (Files.exists(dir) && !empty(dir)) {
        err.println("lambda init: " + dir + " exists and is not empty; choose another --dir");
        return Launcher.CONFIGURATION_ERROR;
      }
      Map<String, String> values = values(name, pkg);
      String source = "src/main/java/" + pkg.replace('.', '/') + "/";
      String test = "src/test/java/" + pkg.replace('.', '/') + "/";
      Map<String, String> files = new LinkedHashMap<>();
      files.put("pom.xml", "pom.xml.txt");
      files.put("README.md", "README.md.txt");
      files.put(".gitignore", "gitignore.txt");
      files.put(name + ".conf", "pipeline.conf.txt");
      files.put("data/customers.csv", "customers.csv");
      files.put(source + "MaskTransformFactory.java", "MaskTransformFactory.java.txt");
      files.put(
          "src/main/resources/META-INF/services/io.lambdaflow.spi.TransformFactory",
          "services.txt");
      files.put(test + "MaskTransformTest.java", "MaskTransformTest.java.txt");
      for (Map.Entry<String, String> file : files.entrySet()) {
        Path target = dir.resolve(file.getKey());
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.writeString(target, fill(template(file.getValue()), values), StandardCharsets.UTF_8);
      }
      out.println("created " + dir + ": a pipeline project with its own transform (type = mask)");
      out.println("next:   cd " + dir + " && mvn package");
      out.println(
          "        lambda batch " + name + ".conf --jars target/" + name + "-0.1.0-SNAPSHOT.jar");
      return Launcher.OK;
    } catch (IOException | UncheckedIOException e) {
      err.println("lambda init: cannot write " + dir + ": " + e.getMessage());
      return Launcher.RUNTIME_FAILURE;
    }
  }

  /** What the templates' {{placeholders}} stand for. */
  private static Map<String, String> values(String name, String pkg) throws IOException {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("name", name);
    values.put("package", pkg);
    values.put("jvm.flags", String.join(" ", Lambdaflow.jvmFlags()));
    Properties versions = new Properties();
    try (InputStream in = Scaffold.class.getResourceAsStream(TEMPLATES + "versions.properties")) {
      versions.load(in);
    }
    versions
        .stringPropertyNames()
        .forEach(k -> values.put("version." + k, versions.getProperty(k)));
    return values;
  }

  private static String fill(String template, Map<String, String> values) {
    String text = template;
    for (Map.Entry<String, String> value : values.entrySet()) {
      text = text.replace("{{" + value.getKey() + "}}", value.getValue());
    }
    if (text.contains("{{")) {
      throw new IllegalStateException("a scaffold template has an unknown placeholder: " + text);
    }
    return text;
  }

  private static String template(String name) throws IOException {
    try (InputStream in = Scaffold.class.getResourceAsStream(TEMPLATES + name)) {
      if (in == null) {
        throw new IOException("the scaffold template " + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static boolean empty(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }
}

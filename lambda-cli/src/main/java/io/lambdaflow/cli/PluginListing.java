package io.lambdaflow.cli;

import io.lambdaflow.registry.PluginKind;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.PluginFactory;
import java.io.PrintStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code lambda plugins}, and the class loader that adds {@code --jars} to the classpath. */
final class PluginListing {
  private PluginListing() {}

  /** Every plugin of every kind with its options, as {@code lambda plugins} prints them. */
  static void print(PluginRegistry registry, PrintStream out) {
    for (PluginKind kind : PluginKind.values()) {
      out.println(kind.label() + " types:");
      for (PluginFactory factory : registry.all(kind).values()) {
        out.println("  " + factory.name() + " - " + factory.description());
        for (ConfigOption<?> option : factory.options().all()) {
          String detail =
              option.isRequired()
                  ? "required"
                  : option.defaultValue().map(v -> "default " + v).orElse("optional");
          String key = kind == PluginKind.LAYER ? "--" + option.key() : option.key();
          out.println(
              "      "
                  + key
                  + " ("
                  + option.type().expectation()
                  + "; "
                  + detail
                  + "): "
                  + option.description());
        }
      }
    }
  }

  /** The application's class loader, with {@code jars} added when there are any. */
  static ClassLoader classLoader(List<Path> jars) {
    ClassLoader parent = Launcher.class.getClassLoader();
    if (jars.isEmpty()) {
      return parent;
    }
    List<URL> urls = new ArrayList<>();
    for (Path jar : jars) {
      if (!Files.isRegularFile(jar)) {
        throw new IllegalArgumentException("plugin jar not found: " + jar);
      }
      try {
        urls.add(jar.toAbsolutePath().toUri().toURL());
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException(
            "cannot use plugin jar " + jar + ": " + e.getMessage(), e);
      }
    }
    return new URLClassLoader("lambda-plugins", urls.toArray(URL[]::new), parent);
  }
}

package io.lambdaflow.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The main class of an application jar ({@code lambda package}): {@code spark-submit ... APP.jar
 * LAYER [-Dkey=value ...]} runs the pipeline packed in it in that layer ({@code batch} or {@code
 * speed}), exactly as {@code lambda LAYER FILE} would, on the master spark-submit was given.
 */
public final class Submitted {
  private Submitted() {}

  public static void main(String[] args) throws IOException {
    if (args.length == 0 || args[0].startsWith("-")) {
      System.err.println(
          "usage: spark-submit [--master URL ...] APP.jar batch|speed [-Dkey=value ...]");
      System.exit(Launcher.CONFIGURATION_ERROR);
    }
    Path folder = Files.createTempDirectory("lambda-app-");
    int status;
    try {
      Path file = folder.resolve(text(Packager.PIPELINE_FILE).strip());
      Files.writeString(file, text(Packager.PIPELINE), StandardCharsets.UTF_8);
      List<String> forwarded = new ArrayList<>();
      forwarded.add(args[0]);
      forwarded.add(file.toString());
      forwarded.addAll(Arrays.asList(args).subList(1, args.length));
      status = new Launcher(System.out, System.err).run(forwarded.toArray(String[]::new));
    } finally {
      try (Stream<Path> all = Files.walk(folder)) {
        all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    if (status != Launcher.OK) {
      System.exit(status);
    }
  }

  private static String text(String resource) throws IOException {
    try (InputStream in = Submitted.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException(
            resource + " is not in the application jar; build it with lambda package");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}

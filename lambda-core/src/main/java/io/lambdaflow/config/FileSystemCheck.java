package io.lambdaflow.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Checks that a Hadoop file system serves every path's scheme ({@code s3a://}, {@code hdfs://},
 * {@code gs://}) before anything runs: a storage root, a checkpoint root, the metastore's
 * warehouse, and the {@code path} of every source, sink and the dead letters. Without it, a missing
 * connector showed only after the whole computation, as {@code S3AFileSystem not found}.
 */
final class FileSystemCheck {
  private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*)://.*");

  /** Connectors worth naming: scheme to the Maven coordinates that serve it. */
  private static final Map<String, String> CONNECTORS =
      Map.of(
          "s3a",
          "org.apache.hadoop:hadoop-aws:3.3.4 and com.amazonaws:aws-java-sdk-bundle:1.12.262",
          "gs",
          "com.google.cloud.bigdataoss:gcs-connector (hadoop3)",
          "abfs",
          "org.apache.hadoop:hadoop-azure:3.3.4",
          "abfss",
          "org.apache.hadoop:hadoop-azure:3.3.4",
          "wasb",
          "org.apache.hadoop:hadoop-azure:3.3.4");

  private FileSystemCheck() {}

  static void check(ConfigObject root, Map<String, String> sparkConf, List<Problem> problems) {
    Configuration hadoop = new Configuration();
    sparkConf.forEach(
        (key, value) -> {
          if (key.startsWith("spark.hadoop.")) {
            hadoop.set(key.substring("spark.hadoop.".length()), value);
          }
        });
    List<Object[]> paths = new ArrayList<>();
    add(paths, root, "storage-root", "storage-root");
    if (root.get("speed") instanceof ConfigObject speed) {
      add(paths, speed, "checkpoint-root", "speed.checkpoint-root");
    }
    if (root.get("metastore") instanceof ConfigObject metastore) {
      add(paths, metastore, "warehouse", "metastore.warehouse");
    }
    if (root.get("dead-letter") instanceof ConfigObject deadLetter) {
      add(paths, deadLetter, "path", "dead-letter.path");
    }
    for (String section : List.of("sources", "sinks")) {
      if (root.get(section) instanceof ConfigObject nodes) {
        for (Map.Entry<String, ConfigValue> node : nodes.entrySet()) {
          if (node.getValue() instanceof ConfigObject object) {
            add(paths, object, "path", section + "." + node.getKey() + ".path");
          }
        }
      }
    }
    // A path made from another (checkpoint-root = ${storage-root}"/checkpoints") has its origin:
    // one problem for both.
    java.util.Set<String> reported = new java.util.HashSet<>();
    for (Object[] path : paths) {
      ConfigValue value = (ConfigValue) path[0];
      Matcher matcher = SCHEME.matcher(String.valueOf(value.unwrapped()));
      if (!matcher.matches()) {
        continue;
      }
      String scheme = matcher.group(1).toLowerCase(Locale.ROOT);
      String problem = unserved(scheme, hadoop);
      if (problem != null && reported.add(Origins.describe(value.origin()) + problem)) {
        problems.add(new Problem(Origins.describe(value.origin()), (String) path[1], problem));
      }
    }
  }

  private static void add(List<Object[]> paths, ConfigObject object, String key, String path) {
    ConfigValue value = object.get(key);
    if (value != null && value.valueType() == ConfigValueType.STRING) {
      paths.add(new Object[] {value, path});
    }
  }

  /** Why no file system serves {@code scheme}, or null when one does. */
  private static String unserved(String scheme, Configuration hadoop) {
    try {
      FileSystem.getFileSystemClass(scheme, hadoop);
      return null;
    } catch (java.io.IOException e) {
      if (scheme.equals("s3") || scheme.equals("s3n")) {
        return "no Hadoop file system serves '"
            + scheme
            + "://' paths; write s3a:// (Hadoop's S3 connector) instead";
      }
      return "no Hadoop file system serves '"
          + scheme
          + "://' paths here; put its connector on the classpath (--jars"
          + (CONNECTORS.containsKey(scheme) ? ": " + CONNECTORS.get(scheme) : "")
          + ") or set spark.conf \"spark.hadoop.fs."
          + scheme
          + ".impl\"";
    } catch (RuntimeException e) {
      // Hadoop knows the scheme (core-default.xml names its class) but the class is missing.
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return "'"
          + scheme
          + "://' paths need a file system that is not on the classpath ("
          + cause.getMessage()
          + "); add "
          + CONNECTORS.getOrDefault(scheme, "its connector jar")
          + " (--jars, or your build's dependencies)";
    }
  }
}

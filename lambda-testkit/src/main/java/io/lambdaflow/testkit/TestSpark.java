package io.lambdaflow.testkit;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * One local SparkSession per test JVM (with a Hive metastore in Derby when spark-hive is on the
 * classpath), started on first use and stopped when the JVM exits. Session start-up costs seconds;
 * sharing it keeps a suite fast. Tests must not stop it.
 */
public final class TestSpark {
  private static SparkSession session;

  private TestSpark() {}

  /**
   * The shared session: {@code local[2]}, no UI, two shuffle partitions, UTC, files under target/.
   */
  public static synchronized SparkSession session() {
    if (session == null) {
      Path target = Path.of("target").toAbsolutePath();
      SparkSession.Builder builder = SparkSession.builder();
      if (hiveOnClasspath()) {
        // A fresh Derby metastore per JVM, so tests can register tables as batch runs do.
        System.setProperty("derby.stream.error.file", target.resolve("derby.log").toString());
        builder =
            builder
                .enableHiveSupport()
                .config(
                    "spark.hadoop.javax.jdo.option.ConnectionURL",
                    "jdbc:derby:;databaseName="
                        + target.resolve("metastore_db-" + java.util.UUID.randomUUID())
                        + ";create=true")
                // Hive's session folder, which it never deletes: under target, not in /tmp
                .config(
                    "spark.hadoop.hive.downloaded.resources.dir",
                    target.resolve("hive-resources").toString());
      }
      session =
          builder
              .master("local[2]")
              .appName("lambdaflow-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.sql.session.timeZone", "UTC")
              // as reference.conf: the local disk without a process per file, streaming checkpoints
              // without checksum files
              .config("spark.hadoop.fs.file.impl", "io.lambdaflow.hadoop.NioLocalFileSystem")
              .config(
                  "spark.hadoop.fs.AbstractFileSystem.file.impl",
                  "io.lambdaflow.hadoop.NioRawLocalFs")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.sql.warehouse.dir", target.resolve("spark-warehouse").toString())
              .config("spark.local.dir", target.resolve("spark-local").toString())
              .getOrCreate();
      Runtime.getRuntime().addShutdownHook(new Thread(session::stop, "stop-test-spark"));
    }
    return session;
  }

  private static boolean hiveOnClasspath() {
    try {
      Class.forName("org.apache.spark.sql.hive.HiveSessionStateBuilder");
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}

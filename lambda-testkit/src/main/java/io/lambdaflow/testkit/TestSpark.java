package io.lambdaflow.testkit;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * One local SparkSession per test JVM, started on first use and stopped when the JVM exits. Session
 * start-up costs seconds; sharing it keeps a suite fast. Tests must not stop it.
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
      session =
          SparkSession.builder()
              .master("local[2]")
              .appName("lambdaflow-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.sql.session.timeZone", "UTC")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.sql.warehouse.dir", target.resolve("spark-warehouse").toString())
              .config("spark.local.dir", target.resolve("spark-local").toString())
              .getOrCreate();
      Runtime.getRuntime().addShutdownHook(new Thread(session::stop, "stop-test-spark"));
    }
    return session;
  }
}

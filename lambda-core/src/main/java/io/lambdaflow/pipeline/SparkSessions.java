package io.lambdaflow.pipeline;

import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the Spark session a pipeline asks for. */
public final class SparkSessions {
  private static final Logger LOG = LoggerFactory.getLogger(SparkSessions.class);

  private static final String PROGRESS_BAR = "spark.ui.showConsoleProgress";

  private static final String HIVE_RESOURCES = "spark.hadoop.hive.downloaded.resources.dir";

  private SparkSessions() {}

  /**
   * Hive support for a pipeline with views and the metastore enabled: Derby under
   * metastore.derby-path, or the thrift:// metastore configured. Without spark-hive on the
   * classpath the session keeps Spark's in-memory catalog.
   */
  private static SparkSession.Builder withMetastore(
      SparkSession.Builder builder, Pipeline pipeline) {
    ContractSettings.Metastore metastore = pipeline.contract().metastore();
    if (!pipeline.hasViews() || !metastore.enabled()) {
      return builder;
    }
    try {
      Class.forName("org.apache.spark.sql.hive.HiveSessionStateBuilder");
    } catch (ClassNotFoundException e) {
      LOG.warn("spark-hive is not on the classpath: tables are registered in memory only");
      return builder;
    }
    builder = builder.enableHiveSupport().config("spark.sql.warehouse.dir", metastore.warehouse());
    if (!pipeline.spark().conf().containsKey(HIVE_RESOURCES)) {
      builder = builder.config(HIVE_RESOURCES, hiveResourcesFolder());
    }
    if (!metastore.uri().isEmpty()) {
      return builder.config("spark.hadoop.hive.metastore.uris", metastore.uri());
    }
    java.nio.file.Path derby =
        java.nio.file.Path.of(metastore.derbyPath().replaceFirst("^file:(//)?", ""))
            .toAbsolutePath();
    try {
      java.nio.file.Files.createDirectories(derby.getParent());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create " + derby.getParent(), e);
    }
    if (System.getProperty("derby.stream.error.file") == null) {
      System.setProperty(
          "derby.stream.error.file", derby.getParent().resolve("derby.log").toString());
    }
    return builder.config(
        "spark.hadoop.javax.jdo.option.ConnectionURL",
        "jdbc:derby:;databaseName=" + derby + ";create=true");
  }

  /**
   * The local folder of the Hive session Spark opens (where Hive would download the resources of an
   * {@code ADD JAR}). Hive makes {@code <java.io.tmpdir>/<session id>_resources} by default and
   * only its session's close deletes it, which Spark never calls: every run with the metastore left
   * an empty folder in the temporary directory. This one is empty too, and deleted when the JVM
   * exits. A pipeline that sets {@code spark.hadoop.hive.downloaded.resources.dir} keeps its own.
   */
  private static String hiveResourcesFolder() {
    try {
      java.io.File folder = java.nio.file.Files.createTempDirectory("lambda-hive-").toFile();
      folder.deleteOnExit(); // after the shutdown hooks, Spark's among them
      return folder.getPath();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create a folder in java.io.tmpdir", e);
    }
  }

  /**
   * The session for {@code pipeline}: its master (unless spark-submit chose one) and Spark
   * properties, named after it. Returns the JVM's active session when one exists (as under {@code
   * spark-submit} or in tests), with the pipeline's SQL properties applied to it.
   */
  public static SparkSession start(Pipeline pipeline) {
    SparkSession.Builder builder = SparkSession.builder().appName("lambda " + pipeline.name());
    if (System.getProperty("spark.master") == null) {
      // spark-submit passes its --master as this property; the pipeline's master is for bin/lambda.
      builder = builder.master(pipeline.spark().master());
    }
    if (System.console() != null && !pipeline.spark().conf().containsKey(PROGRESS_BAR)) {
      // On a terminal, Spark's live progress bar for long jobs ([Stage 3: ===> (12 + 2) / 40]);
      // never in a log file.
      builder = builder.config(PROGRESS_BAR, "true");
    }
    pipeline.spark().conf().forEach(builder::config);
    if (SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty()) {
      builder = withMetastore(builder, pipeline);
    }
    SparkSession session = builder.getOrCreate();
    pipeline
        .spark()
        .conf()
        .forEach(
            (key, value) -> {
              if (session.conf().isModifiable(key)) {
                session.conf().set(key, value);
              }
            });
    return session;
  }
}

package io.lambdaflow.pipeline;

import org.apache.spark.sql.SparkSession;

/** Starts the Spark session a pipeline asks for. */
public final class SparkSessions {
  private SparkSessions() {}

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
    pipeline.spark().conf().forEach(builder::config);
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

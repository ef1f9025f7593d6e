package io.lambdaflow.spi;

import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A sink whose rows can be read back: how {@code lambda replay} reads the dead letters a
 * dead-letter sink holds. The built-in {@code files} sink implements it.
 */
public interface SupportsReadBack extends SinkSpec {

  /** Every row written so far, as a bounded dataset; empty when nothing was written yet. */
  Optional<Dataset<Row>> readBack(SparkSession spark);

  /**
   * Where the rows are as JSON lines, one file or a folder of them (a Hadoop path), for readers
   * without Spark such as the status page; empty when they are not JSON lines.
   */
  default Optional<String> jsonLines() {
    return Optional.empty();
  }
}

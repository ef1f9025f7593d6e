package io.lambdaflow.spi;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** A source the speed layer can read. */
public interface SupportsStreamRead extends SourceSpec {

  /**
   * Returns a streaming dataset ({@code spark.readStream()...load()}). Called on the driver once
   * when the speed layer starts.
   */
  Dataset<Row> readStream(ReadContext context);

  /**
   * Checks options that only matter when this source streams (a file source needs a schema, say).
   * Called during validation of a pipeline that runs in the speed layer; the default accepts.
   *
   * @throws InvalidOptionException naming the option that is missing or wrong
   */
  default void validateForStreaming() {}
}

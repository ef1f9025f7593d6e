package io.lambdaflow.spi;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** A sink the batch layer can write. */
public interface SupportsBatchWrite extends SinkSpec {

  /**
   * Writes a bounded dataset; returns when the data is durably written. Called on the driver once
   * per batch run. An exception fails the run; the framework reports it with the sink's name.
   */
  void writeBatch(Dataset<Row> data, WriteContext context);
}

package io.lambdaflow.spi;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** A source the batch layer can read. */
public interface SupportsBatchRead extends SourceSpec {

  /**
   * Returns a bounded dataset of everything this source holds now. Called on the driver once per
   * batch run. A missing path, table or topic is an exception whose message names it.
   */
  Dataset<Row> readBatch(ReadContext context);
}

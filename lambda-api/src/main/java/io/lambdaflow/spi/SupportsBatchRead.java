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

  /**
   * Whether the dataset {@link #readBatch} returns gives the same records each time Spark computes
   * it (a set of files listed once, offsets fixed when it was read), so the batch layer may read it
   * again for a second output instead of caching what it decoded. The default, false, caches.
   */
  default boolean repeatable() {
    return false;
  }

  /**
   * Called once after a batch run wrote every sink, with the context of the same run: the place to
   * remember how far this run read (Kafka offsets, say) so the next run can start there. Not called
   * when the run failed. The default does nothing.
   */
  default void commitBatch(ReadContext context) {}
}

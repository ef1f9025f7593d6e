package io.lambdaflow.spi;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A batch source that can be read up to a {@link Horizon}, which the lambda contract needs: each
 * batch run fixes the horizon, reads only what is new since the last one into the master dataset,
 * and the serving layer adds the speed layer's output past it. Records of such a source carry
 * {@link MetadataColumns#PARTITION} and {@link MetadataColumns#OFFSET}.
 */
public interface SupportsHorizon extends SupportsBatchRead {

  /** Where the source's data ends now. Called once per batch run, before {@link #readRange}. */
  Horizon horizon(ReadContext context);

  /**
   * The records past {@code from} and covered by {@code to}. A partition {@code from} does not list
   * is read from its beginning.
   *
   * @throws DataGapException when records past {@code from} are gone (Kafka retention removed them
   *     before a batch run read them)
   */
  Dataset<Row> readRange(ReadContext context, Horizon from, Horizon to);

  /** Thrown when data between two horizons can no longer be read. */
  final class DataGapException extends RuntimeException {
    public DataGapException(String message) {
      super(message);
    }
  }
}

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
   * The stream before this source decodes it (parses JSON, say): with {@link #decode}, what lets
   * the speed layer read each micro-batch once and derive every view and the dead letters from that
   * one read. {@code decode(readUndecodedStream(c), c)} must give what {@code readStream(c)} gives.
   * The default is {@link #readStream} itself, for sources that decode nothing; a source whose
   * {@code readStream} sends dead letters and that does not override this pair is read by one query
   * per output instead.
   */
  default Dataset<Row> readUndecodedStream(ReadContext context) {
    return readStream(context);
  }

  /**
   * Decodes one bounded micro-batch of {@link #readUndecodedStream}, sending what cannot be decoded
   * to {@link ReadContext#deadLetter}. The default returns it as it is.
   */
  default Dataset<Row> decode(Dataset<Row> undecoded, ReadContext context) {
    return undecoded;
  }

  /**
   * Checks options that only matter when this source streams (a file source needs a schema, say).
   * Called during validation of a pipeline that runs in the speed layer; the default accepts.
   *
   * @throws InvalidOptionException naming the option that is missing or wrong
   */
  default void validateForStreaming() {}
}

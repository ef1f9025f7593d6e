package io.lambdaflow.spi;

/**
 * Columns the framework reserves. Sources add them, transforms carry them along, sinks never write
 * them.
 */
public final class MetadataColumns {
  /** Every reserved column's name starts with this. */
  public static final String PREFIX = "_lambda_";

  /**
   * A string naming where a record came from: {@code topic/partition@offset} for Kafka, {@code
   * file@offset} for records read by line (the byte offset where the line starts), the file for
   * other file formats. Dead letters carry it as {@code position}.
   */
  public static final String POSITION = PREFIX + "position";

  /**
   * The source's partition a record came from, as a string: {@code topic/partition} for Kafka, the
   * file for file sources. With {@link #OFFSET} it places the record against a {@link Horizon}.
   * Sources that support horizons add it.
   */
  public static final String PARTITION = PREFIX + "partition";

  /** The record's offset (a long) within its {@link #PARTITION}: the Kafka offset, 0 for files. */
  public static final String OFFSET = PREFIX + "offset";

  /** The name of the pipeline source a record came from; the framework adds it. */
  public static final String SOURCE = PREFIX + "source";

  private MetadataColumns() {}

  /** Whether a column name is reserved by the framework. */
  public static boolean isMetadata(String columnName) {
    return columnName.startsWith(PREFIX);
  }
}

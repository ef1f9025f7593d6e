package io.lambdaflow.spi;

/**
 * Columns the framework reserves. Sources add them, transforms carry them along, sinks never write
 * them.
 */
public final class MetadataColumns {
  /** Every reserved column's name starts with this. */
  public static final String PREFIX = "_lambda_";

  /**
   * A string naming where a record came from: a file path for file sources, {@code
   * topic/partition@offset} for Kafka. Dead letters carry it as {@code position}.
   */
  public static final String POSITION = PREFIX + "position";

  private MetadataColumns() {}

  /** Whether a column name is reserved by the framework. */
  public static boolean isMetadata(String columnName) {
    return columnName.startsWith(PREFIX);
  }
}

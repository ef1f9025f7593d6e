package io.lambdaflow.spi;

/**
 * Columns of a dead letter. Transforms supply {@link #REASON} and {@link #RAW} (and {@link
 * MetadataColumns#POSITION} when they have it); the framework adds the rest before writing to the
 * pipeline's dead-letter sink.
 */
public final class DeadLetters {
  /** Why the record was rejected, in words a data engineer can act on. */
  public static final String REASON = "reason";

  /** The record as it arrived (the raw JSON or CSV line), or its fields as JSON. */
  public static final String RAW = "raw";

  /** Where the record came from (added from {@link MetadataColumns#POSITION}). */
  public static final String POSITION = "position";

  /** The pipeline's name (added by the framework). */
  public static final String PIPELINE = "pipeline";

  /** The transform that rejected the record (added by the framework). */
  public static final String STAGE = "stage";

  /** When the record was rejected (added by the framework). */
  public static final String REJECTED_AT = "rejected_at";

  private DeadLetters() {}
}

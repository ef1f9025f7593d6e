package io.lambdaflow.spi;

/**
 * A configured source. By itself it reads nothing: a source says what it can do by implementing
 * {@link SupportsBatchRead}, {@link SupportsStreamRead} or both, and validation rejects a pipeline
 * that runs a source in a layer it does not support.
 *
 * <p>Every dataset a source returns should carry the column {@link MetadataColumns#POSITION}: where
 * each record came from (a file, a topic partition and offset), so that dead letters and speed
 * views can name it. Sinks never write columns whose names start with {@link
 * MetadataColumns#PREFIX}.
 */
public interface SourceSpec {}

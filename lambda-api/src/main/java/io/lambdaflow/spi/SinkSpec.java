package io.lambdaflow.spi;

/**
 * A configured sink. A sink says what it can do by implementing {@link SupportsBatchWrite}, {@link
 * SupportsStreamWrite} or both, and validation rejects a pipeline that runs a sink in a layer it
 * does not support. The framework removes metadata columns ({@link MetadataColumns#PREFIX}) before
 * a sink sees the data.
 */
public interface SinkSpec {}

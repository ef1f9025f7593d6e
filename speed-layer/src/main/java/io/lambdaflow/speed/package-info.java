/**
 * The speed layer: the same pipeline as Structured Streaming queries, one per sink, with
 * checkpoints under the storage root. Sources and sinks take part through {@link
 * io.lambdaflow.spi.SupportsStreamRead} and {@link io.lambdaflow.spi.SupportsStreamWrite}, which
 * validation already checks; the runner arrives with the Kafka issue.
 */
package io.lambdaflow.speed;

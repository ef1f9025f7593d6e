package io.lambdaflow.spi;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * What a sink gets when asked to write.
 *
 * @param spark the session writing
 * @param sinkName the sink's name in the pipeline
 * @param mode the layer writing
 * @param writeId what this write is, so that a sink can write it once: the same for a batch run of
 *     the lambda contract run again after a kill (its run number) and for a micro-batch replayed
 *     after a crash (its batch id); unique otherwise
 * @param rejections where rows the destination refuses go (the pipeline's dead letters)
 * @param reads what the write reads, when the layer knows it (a batch run of the lambda contract:
 *     the horizon of each source, as JSON), so that a sink keeping a ledger of writes tells a
 *     re-run (the same) from another write under a reused id (a storage root wiped and its run
 *     numbers starting over)
 */
public record WriteContext(
    SparkSession spark,
    String sinkName,
    ExecutionMode mode,
    String writeId,
    Rejections rejections,
    Optional<String> reads) {
  public WriteContext {
    requireNonNull(spark, "spark is null");
    requireNonNull(sinkName, "sinkName is null");
    requireNonNull(mode, "mode is null");
    requireNonNull(writeId, "writeId is null");
    requireNonNull(rejections, "rejections is null");
    requireNonNull(reads, "reads is null");
  }

  /** A write whose input is not known beyond its id. */
  public WriteContext(
      SparkSession spark,
      String sinkName,
      ExecutionMode mode,
      String writeId,
      Rejections rejections) {
    this(spark, sinkName, mode, writeId, rejections, Optional.empty());
  }

  /** A write with no dead letters: a refused row fails it ({@link Rejections#none}). */
  public WriteContext(SparkSession spark, String sinkName, ExecutionMode mode, String writeId) {
    this(spark, sinkName, mode, writeId, Rejections.none(sinkName));
  }

  /** A write with an id of its own, that nothing repeats, and no dead letters. */
  public WriteContext(SparkSession spark, String sinkName, ExecutionMode mode) {
    this(spark, sinkName, mode, java.util.UUID.randomUUID().toString());
  }
}

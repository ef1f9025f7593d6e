package io.lambdaflow.speed;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.streaming.Offset;
import org.apache.spark.sql.execution.streaming.OffsetSeq;
import org.apache.spark.sql.execution.streaming.OffsetSeqLog;
import scala.Option;
import scala.collection.Iterator;

/**
 * What a micro-batch of a query reads, from the query's checkpoint: Spark writes each micro-batch's
 * end offsets to the offset log ({@code offsets/<batch id>}) before it runs the micro-batch, so
 * they are there when a sink writes it.
 */
final class CheckpointOffsets {
  private CheckpointOffsets() {}

  /**
   * The end offsets of micro-batch {@code batchId} of the query checkpointed at {@code checkpoint},
   * each source's as JSON on a line of its own; empty when the log has no such batch.
   */
  static Optional<String> of(SparkSession spark, String checkpoint, long batchId) {
    Option<OffsetSeq> logged = new OffsetSeqLog(spark, checkpoint + "/offsets").get(batchId);
    if (logged.isEmpty()) {
      return Optional.empty();
    }
    List<String> sources = new ArrayList<>();
    Iterator<Option<Offset>> offsets = logged.get().offsets().iterator();
    while (offsets.hasNext()) {
      Option<Offset> offset = offsets.next();
      sources.add(offset.isDefined() ? offset.get().json() : "-");
    }
    return Optional.of(String.join("\n", sources));
  }
}

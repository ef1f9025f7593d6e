package io.lambdaflow.pipeline;

import io.lambdaflow.spi.DeadLetters;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.Rejections;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.WriteContext;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Rows the sinks' destinations refused in one run or query: written to the pipeline's dead letters
 * (stage: the sink's name; reason: the destination's words; raw: the row as JSON) and counted per
 * sink, so a run summary can count them as dead letters rather than as written.
 */
public final class SinkRejections {
  private static final StructType LETTERS =
      new StructType()
          .add(DeadLetters.PIPELINE, DataTypes.StringType)
          .add(DeadLetters.STAGE, DataTypes.StringType)
          .add(DeadLetters.POSITION, DataTypes.StringType)
          .add(DeadLetters.REASON, DataTypes.StringType)
          .add(DeadLetters.RAW, DataTypes.StringType)
          .add(DeadLetters.REJECTED_AT, DataTypes.TimestampType);

  private final SparkSession spark;
  private final Pipeline pipeline;
  private final Map<String, Long> counts = new ConcurrentHashMap<>();

  public SinkRejections(SparkSession spark, Pipeline pipeline) {
    this.spark = spark;
    this.pipeline = pipeline;
  }

  /** Where sink {@code sinkName} sends what its destination refuses. */
  public Rejections of(String sinkName) {
    return rows -> {
      if (rows.isEmpty()) {
        return;
      }
      Timestamp now = Timestamp.from(Instant.now());
      List<Row> letters = new ArrayList<>();
      for (Rejections.Rejected row : rows) {
        letters.add(
            RowFactory.create(
                pipeline.name(), sinkName, row.position(), row.reason(), row.raw(), now));
      }
      // A run's sinks are written at once; their refused rows reach the dead letters one write at
      // a time, as a dead-letter sink need not take appends at once into the same place.
      synchronized (this) {
        writeDeadLetters(pipeline, spark.createDataFrame(letters, LETTERS));
      }
      counts.merge(sinkName, (long) rows.size(), Long::sum);
    };
  }

  /** How many rows {@code sinkName}'s destination refused. */
  public long count(String sinkName) {
    return counts.getOrDefault(sinkName, 0L);
  }

  /** How many rows every sink's destination refused. */
  public long total() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Appends {@code letters} to the pipeline's dead-letter sink, from the driver. */
  public static void writeDeadLetters(Pipeline pipeline, Dataset<Row> letters) {
    SinkNode sink = pipeline.deadLetter();
    try {
      ((SupportsBatchWrite) sink.spec())
          .writeBatch(
              letters, new WriteContext(letters.sparkSession(), sink.name(), ExecutionMode.BATCH));
    } catch (RuntimeException e) {
      throw new PipelineRunException(
          "dead-letter sink (type "
              + sink.type()
              + ") failed: "
              + PipelineRunException.firstLine(e),
          e);
    }
  }
}

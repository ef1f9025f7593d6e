package io.lambdaflow.spi;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamWriter;

/** What a sink gets when the speed layer starts its query. */
public interface StreamWriteContext {

  /** The session writing. */
  SparkSession spark();

  /** The sink's name in the pipeline. */
  String sinkName();

  /** The output mode configured for this sink: append, update or complete. */
  String outputMode();

  /**
   * A writer for {@code data} with the query name, trigger, output mode and checkpoint location
   * already set.
   */
  DataStreamWriter<Row> writer(Dataset<Row> data);

  /**
   * Where rows the destination refuses go, from within a micro-batch (the pipeline's dead letters).
   */
  default Rejections rejections() {
    return Rejections.none(sinkName());
  }
}

package io.lambdaflow.spi;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** What a {@link Transform} sees: its inputs, the session, and where rejected records go. */
public interface TransformContext {

  /** This transform's name in the pipeline. */
  String name();

  /** The layer running the transform. */
  ExecutionMode mode();

  /** The session datasets belong to. */
  SparkSession spark();

  /** The first (often the only) input: the previous step of a chain, or {@code input = name}. */
  Dataset<Row> input();

  /**
   * The input of that name, one of {@link #inputNames()}: a source or an earlier transform, for
   * joins with dimension tables.
   *
   * @throws IllegalArgumentException if the transform did not declare that input
   */
  Dataset<Row> input(String name);

  /** The names of this transform's inputs, in declared order. */
  List<String> inputNames();

  /**
   * Sends records to the pipeline's dead-letter sink. {@code rejected} must have the string columns
   * {@link DeadLetters#REASON} and {@link DeadLetters#RAW}; if it carries {@link
   * MetadataColumns#POSITION}, that becomes the dead letter's position. The framework adds the
   * pipeline, the transform's name and the time, and counts every dead letter in the run summary.
   */
  void deadLetter(Dataset<Row> rejected);

  /**
   * Marks a dataset that several outputs derive from (the parsed rows and the rejected rows of one
   * parse, say). The batch layer keeps it in memory or on disk for the run so it is computed once;
   * the speed layer returns it as is. Returns the dataset to derive from.
   */
  Dataset<Row> reuse(Dataset<Row> dataset);
}

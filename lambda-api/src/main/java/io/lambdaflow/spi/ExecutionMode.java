package io.lambdaflow.spi;

/** The layer a pipeline runs in; decides whether datasets are bounded or streaming. */
public enum ExecutionMode {
  /** Bounded, recomputable runs: every dataset is a batch {@code Dataset<Row>}. */
  BATCH,
  /** Structured Streaming: sources return streaming datasets, sinks start streaming queries. */
  STREAMING;

  /** The name used for this mode in configuration ({@code layers = [batch, speed]}). */
  public String layerName() {
    return this == BATCH ? "batch" : "speed";
  }
}

package io.lambdaflow.pipeline;

/** A run failed: a source, transform or sink threw, or Spark failed a job. Names where. */
public class PipelineRunException extends RuntimeException {
  public PipelineRunException(String message, Throwable cause) {
    super(message, cause);
  }
}

package io.lambdaflow.pipeline;

/** A run failed: a source, transform or sink threw, or Spark failed a job. Names where. */
public class PipelineRunException extends RuntimeException {
  public PipelineRunException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The first line of an exception's message, trimmed: Spark appends plans and stack-like detail
   * after it that would bury the point in a one-line error.
   */
  public static String firstLine(Throwable e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.getClass().getSimpleName();
    }
    String trimmed = message.strip();
    int newline = trimmed.indexOf('\n');
    return newline < 0 ? trimmed : trimmed.substring(0, newline).strip();
  }
}

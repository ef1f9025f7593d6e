package io.lambdaflow.pipeline;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A run failed: a source, transform or sink threw, or Spark failed a job. Names where. */
public class PipelineRunException extends RuntimeException {
  public PipelineRunException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The first line of an exception's message, trimmed: Spark appends plans and stack-like detail
   * after it that would bury the point in a one-line error. A full disk or quota anywhere in the
   * causes of anything but a {@code PipelineRunException} (which has said it already) is named
   * instead ({@link #storageFault}), and a failed {@code fail} expectation by its own message.
   */
  public static String firstLine(Throwable e) {
    Optional<String> expectation = Expectations.failure(e);
    if (expectation.isPresent()) {
      return expectation.get();
    }
    Optional<String> storage =
        e instanceof PipelineRunException ? Optional.empty() : storageFault(e);
    if (storage.isPresent()) {
      return storage.get();
    }
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.getClass().getSimpleName();
    }
    if (!(e instanceof PipelineRunException)) {
      Matcher task = FAILED_TASK.matcher(message);
      if (task.find()) {
        return "a Spark task failed: " + task.group(1).strip();
      }
    }
    String trimmed = message.strip();
    int newline = trimmed.indexOf('\n');
    return newline < 0 ? trimmed : trimmed.substring(0, newline).strip();
  }

  /**
   * A full disk or an exhausted quota, wherever it sits in {@code e}'s causes or in the text Spark
   * copies a failed task's exception into: the operating system's words, which otherwise end up in
   * the middle of an executor's stack trace.
   */
  static Optional<String> storageFault(Throwable e) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      String message = t.getMessage();
      if (message == null) {
        continue;
      }
      for (String[] fault : STORAGE_FAULTS) {
        if (message.contains(fault[0])) {
          return Optional.of(fault[1]);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * What a failed task threw, in the text of the driver's "Job aborted due to stage failure"
   * (streaming queries wrap it again): the exception's message without its class name.
   */
  private static final Pattern FAILED_TASK =
      Pattern.compile(
          "most recent failure: Lost task [^)]*\\)[^)]*\\): (?:[\\w.$]+(?:Exception|Error): )?([^\\n]+)");

  private static final String[][] STORAGE_FAULTS = {
    {
      "No space left on device",
      "no space left on device (free space where this writes, then run again)"
    },
    {"Disk quota exceeded", "disk quota exceeded (free space or raise the quota, then run again)"},
    {
      "DiskSpace quota", "HDFS space quota exceeded (free space or raise the quota, then run again)"
    },
  };
}

package io.lambdaflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

class PipelineRunExceptionTest {
  @Test
  void theFirstLineOfAMessageIsItsPoint() {
    assertThat(
            PipelineRunException.firstLine(
                new IllegalStateException("  [TABLE_OR_VIEW_NOT_FOUND] no table x\n== plan ==\n")))
        .isEqualTo("[TABLE_OR_VIEW_NOT_FOUND] no table x");
    assertThat(PipelineRunException.firstLine(new IllegalStateException()))
        .isEqualTo("IllegalStateException");
  }

  @Test
  void aFullDiskAnywhereInTheCausesIsNamed() {
    Exception deep =
        new IllegalStateException(
            "Job aborted due to stage failure: Task 0 in stage 0.0 failed 1 times",
            new UncheckedIOException(
                "Task failed while writing rows", new IOException("No space left on device")));
    assertThat(PipelineRunException.firstLine(deep))
        .isEqualTo("no space left on device (free space where this writes, then run again)");
    // Spark copies a task's stack trace into the text of the driver's exception
    assertThat(
            PipelineRunException.firstLine(
                new IllegalStateException(
                    "Job aborted\nCaused by: java.io.IOException: Disk quota exceeded\n\tat x")))
        .isEqualTo("disk quota exceeded (free space or raise the quota, then run again)");
  }

  @Test
  void aFailedTaskIsNamedByWhatItThrew() {
    assertThat(
            PipelineRunException.firstLine(
                new IllegalStateException(
                    "[STREAM_FAILED] Query [id = 6, runId = 0] terminated with exception: Job"
                        + " aborted due to stage failure: Task 0 in stage 2.0 failed 1 times, most"
                        + " recent failure: Lost task 0.0 in stage 2.0 (TID 2) (localhost executor"
                        + " driver): org.postgresql.util.PSQLException: FATAL: database \"outage\""
                        + " is not currently accepting connections\n\tat org.postgresql.core")))
        .isEqualTo(
            "a Spark task failed: FATAL: database \"outage\" is not currently accepting"
                + " connections");
  }

  @Test
  void aPipelineRunExceptionKeepsWhatItSaidAboutTheFault() {
    PipelineRunException named =
        new PipelineRunException(
            "sink 'out' (type files) failed: no space left on device",
            new IOException("No space left on device"));
    assertThat(PipelineRunException.firstLine(named))
        .isEqualTo("sink 'out' (type files) failed: no space left on device");
  }
}

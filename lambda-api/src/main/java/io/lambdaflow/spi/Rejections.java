package io.lambdaflow.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Where a sink sends the rows its destination refused (a constraint, a value too long), so that the
 * rest of the batch lands and nothing is lost: to the pipeline's dead letters, with the
 * destination's reason. The run summary counts them as dead letters, not as written. Called on the
 * driver, before the sink makes its batch visible, so a crash in between repeats both.
 */
@FunctionalInterface
public interface Rejections {

  /** Writes refused rows to the dead letters; returns once they are written. */
  void reject(List<Rejected> rows);

  /**
   * A refused row.
   *
   * @param reason why, in the destination's words
   * @param raw the row as JSON
   * @param position where the row was in what the sink was given (for example {@code batch 7,
   *     partition 1, row 42}), or null when the sink cannot say
   */
  record Rejected(String reason, String raw, String position) {
    public Rejected {
      requireNonNull(reason, "reason is null");
      requireNonNull(raw, "raw is null");
    }

    /** A refused row whose position the sink cannot say. */
    public Rejected(String reason, String raw) {
      this(reason, raw, null);
    }
  }

  /** For writes that have no dead letters: refusing a row fails the write, naming the first. */
  static Rejections none(String sinkName) {
    return rows -> {
      if (!rows.isEmpty()) {
        throw new IllegalStateException(
            "sink '"
                + sinkName
                + "' refused "
                + rows.size()
                + " row(s) and this write has no dead letters; the first: "
                + rows.get(0).reason());
      }
    };
  }
}

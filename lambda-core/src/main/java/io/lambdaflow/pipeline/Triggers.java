package io.lambdaflow.pipeline;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import org.apache.spark.sql.streaming.Trigger;

/** Speed-layer triggers as written in configuration. */
public final class Triggers {
  /** What a valid trigger looks like, for error messages. */
  public static final String EXPECTATION =
      "a processing-time interval such as '10 seconds', 'available-now' or 'once'";

  private Triggers() {}

  /**
   * Parses {@code available-now}, {@code once} or an interval in HOCON's duration notation.
   *
   * @throws IllegalArgumentException naming the text when it is none of those
   */
  public static Trigger parse(String text) {
    String trimmed = text.strip();
    if (trimmed.equals("available-now") || trimmed.equals("once")) {
      // Spark deprecates Trigger.Once for AvailableNow, which does the same in bounded batches.
      return Trigger.AvailableNow();
    }
    try {
      Duration interval =
          ConfigFactory.empty()
              .withValue("t", ConfigValueFactory.fromAnyRef(trimmed))
              .getDuration("t");
      return Trigger.ProcessingTime(interval.toMillis());
    } catch (ConfigException e) {
      throw new IllegalArgumentException("expected " + EXPECTATION + ", got '" + text + "'");
    }
  }
}

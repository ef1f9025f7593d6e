package io.lambdaflow.config;

import static java.util.Objects.requireNonNull;

/**
 * One thing wrong with a pipeline's configuration.
 *
 * @param location where it is, {@code conf/pipeline.conf:12}, or a description when the value came
 *     from elsewhere ({@code command line})
 * @param path the key path, {@code transforms[1].type}, or empty for the file as a whole
 * @param message what is wrong and what is expected
 */
public record Problem(String location, String path, String message) {
  public Problem {
    requireNonNull(location, "location is null");
    requireNonNull(path, "path is null");
    requireNonNull(message, "message is null");
  }

  @Override
  public String toString() {
    return location + ": " + (path.isEmpty() ? "" : path + ": ") + message;
  }
}

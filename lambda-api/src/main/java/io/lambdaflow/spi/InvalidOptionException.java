package io.lambdaflow.spi;

import static java.util.Objects.requireNonNull;

/**
 * Thrown by a factory or a spec during validation when an option's value is wrong in a way the
 * declared {@link Options} cannot express. The framework reports it with the option's file, line
 * and key path beside every other problem in the configuration.
 */
public class InvalidOptionException extends RuntimeException {
  private final String optionKey;

  /**
   * @param optionKey the option at fault, relative to the plugin's configuration ({@code schema})
   * @param message what is wrong and what is expected, without the key or location
   */
  public InvalidOptionException(String optionKey, String message) {
    super(requireNonNull(message, "message is null"));
    this.optionKey = requireNonNull(optionKey, "optionKey is null");
  }

  public String optionKey() {
    return optionKey;
  }
}

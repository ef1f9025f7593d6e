package io.lambdaflow.spi;

/**
 * How an option's configured value becomes a typed value. Standard types are in {@link
 * OptionTypes}.
 *
 * @param <T> the typed value
 */
public interface OptionType<T> {

  /** What a valid value looks like, for error messages: "an integer", "one of [csv, json]". */
  String expectation();

  /**
   * Converts a configured value: a {@code String}, {@code Number}, {@code Boolean}, {@code List} or
   * {@code Map} as HOCON gives it.
   *
   * @throws IllegalArgumentException with a message saying what is wrong with the value (the
   *     framework adds the key, location and {@link #expectation()})
   */
  T convert(Object value);
}

package io.lambdaflow.spi;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Durations and sizes in HOCON's notation (what typesafe-config's {@code getDuration} and {@code
 * getBytes} accept), parsed here so that the SPI needs no config library: a number, optional
 * spaces, an optional unit. A bare number is milliseconds or bytes.
 */
final class HoconUnits {
  private static final Map<String, Duration> TIME = new HashMap<>();
  private static final Map<String, BigInteger> SIZE = new HashMap<>();

  static {
    time(Duration.ofNanos(1), "ns", "nano", "nanos", "nanosecond", "nanoseconds");
    time(Duration.ofNanos(1_000), "us", "micro", "micros", "microsecond", "microseconds");
    time(Duration.ofMillis(1), "", "ms", "milli", "millis", "millisecond", "milliseconds");
    time(Duration.ofSeconds(1), "s", "second", "seconds");
    time(Duration.ofMinutes(1), "m", "minute", "minutes");
    time(Duration.ofHours(1), "h", "hour", "hours");
    time(Duration.ofDays(1), "d", "day", "days");
    for (String bytes : new String[] {"", "b", "B", "byte", "bytes"}) {
      SIZE.put(bytes, BigInteger.ONE);
    }
    String[][] prefixes = {
      {"kilo", "kibi"},
      {"mega", "mebi"},
      {"giga", "gibi"},
      {"tera", "tebi"},
      {"peta", "pebi"},
      {"exa", "exbi"},
      {"zetta", "zebi"},
      {"yotta", "yobi"}
    };
    for (int i = 0; i < prefixes.length; i++) {
      BigInteger decimal = BigInteger.valueOf(1000).pow(i + 1);
      BigInteger binary = BigInteger.valueOf(1024).pow(i + 1);
      String si = prefixes[i][0];
      String iec = prefixes[i][1];
      SIZE.put(si + "byte", decimal);
      SIZE.put(si + "bytes", decimal);
      SIZE.put((i == 0 ? "k" : si.substring(0, 1).toUpperCase(Locale.ROOT)) + "B", decimal);
      String first = iec.substring(0, 1);
      String upper = first.toUpperCase(Locale.ROOT);
      for (String unit : new String[] {iec + "byte", iec + "bytes", first, upper, upper + "i"}) {
        SIZE.put(unit, binary);
      }
      SIZE.put(upper + "iB", binary);
    }
  }

  private HoconUnits() {}

  private static void time(Duration unit, String... names) {
    for (String name : names) {
      TIME.put(name, unit);
    }
  }

  /** A duration, or empty if {@code value} is not one. */
  static Optional<Duration> duration(Object value) {
    return split(value)
        .flatMap(
            parts -> {
              Duration unit = TIME.get(parts[1]);
              if (unit == null) {
                return Optional.empty();
              }
              BigInteger nanos =
                  new BigDecimal(parts[0])
                      .multiply(BigDecimal.valueOf(unit.toNanos()))
                      .toBigInteger();
              return nanos.bitLength() < 64
                  ? Optional.of(Duration.ofNanos(nanos.longValue()))
                  : Optional.empty();
            });
  }

  /** A size in bytes, or empty if {@code value} is not one. */
  static Optional<Long> bytes(Object value) {
    return split(value)
        .flatMap(
            parts -> {
              BigInteger unit = SIZE.get(parts[1]);
              if (unit == null) {
                return Optional.empty();
              }
              BigInteger bytes =
                  new BigDecimal(parts[0]).multiply(new BigDecimal(unit)).toBigInteger();
              return bytes.bitLength() < 64 ? Optional.of(bytes.longValue()) : Optional.empty();
            });
  }

  /**
   * The number and the unit of {@code value}, split as typesafe-config does: the unit is the
   * trailing letters, the number what is before them ({@code 1e3} is a number, {@code 1E} one
   * exbibyte); a number alone has the unit "".
   */
  private static Optional<String[]> split(Object value) {
    if (value instanceof Number number) {
      return Optional.of(new String[] {new BigDecimal(number.toString()).toPlainString(), ""});
    }
    if (!(value instanceof String text)) {
      return Optional.empty();
    }
    String trimmed = text.strip();
    int unitStart = trimmed.length();
    while (unitStart > 0 && Character.isLetter(trimmed.charAt(unitStart - 1))) {
      unitStart--;
    }
    String number = trimmed.substring(0, unitStart).strip();
    try {
      new BigDecimal(number);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    return Optional.of(new String[] {number, trimmed.substring(unitStart)});
  }
}

package io.lambdaflow.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.lambdaflow.spi.OptionTypes;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SPI parses durations and sizes itself (it has no config library); it reads them exactly as
 * typesafe-config does.
 */
class OptionUnitsTest {
  private static final List<Object> DURATIONS =
      List.of(
          "10 seconds",
          "500ms",
          "2m",
          "1 minute",
          "1.5 s",
          "3h",
          "1 day",
          "250",
          250,
          "100 us",
          "7 nanos",
          " 5 seconds ",
          "0",
          "-5 seconds",
          "5 sec",
          "seconds",
          "",
          "5 Seconds",
          "1e3",
          "1e3ms",
          "1.5e2 seconds",
          "2 millisecond",
          "1 hour");
  private static final List<Object> SIZES =
      List.of(
          "512MB",
          "2GB",
          "2GiB",
          "1G",
          "1g",
          "10k",
          "10K",
          "10kB",
          "10KB",
          "10Ki",
          "3 bytes",
          "1.5M",
          "4096",
          4096,
          "1 megabyte",
          "2 gibibytes",
          "1TB",
          "1 T",
          "MB",
          "",
          "5 mb",
          "0",
          "1E",
          "1e3",
          "2Ei",
          "1kilobyte");

  @Test
  void durationsAsTypesafeConfigReadsThem() {
    for (Object value : DURATIONS) {
      Object expected;
      try {
        expected =
            ConfigFactory.empty()
                .withValue("d", ConfigValueFactory.fromAnyRef(value))
                .getDuration("d");
      } catch (ConfigException e) {
        expected = null;
      }
      if (expected == null) {
        assertThatThrownBy(() -> OptionTypes.duration().convert(value))
            .as("'%s'", value)
            .isInstanceOf(IllegalArgumentException.class);
      } else {
        assertThat(OptionTypes.duration().convert(value)).as("'%s'", value).isEqualTo(expected);
      }
    }
  }

  @Test
  void sizesAsTypesafeConfigReadsThem() {
    for (Object value : SIZES) {
      Long expected;
      try {
        expected =
            ConfigFactory.empty()
                .withValue("s", ConfigValueFactory.fromAnyRef(value))
                .getBytes("s");
      } catch (ConfigException e) {
        expected = null;
      }
      if (expected == null || expected <= 0) {
        assertThatThrownBy(() -> OptionTypes.memorySize().convert(value))
            .as("'%s'", value)
            .isInstanceOf(IllegalArgumentException.class);
      } else {
        assertThat(OptionTypes.memorySize().convert(value)).as("'%s'", value).isEqualTo(expected);
      }
    }
  }
}

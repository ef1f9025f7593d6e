package io.lambdaflow.examples.pinterest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** The Pinterest commands' arguments (the poster's posting is in PinterestEndToEndTest). */
class PinterestMainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) throws Exception {
    return PinterestMain.run(
        args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
  }

  @Test
  void anUnexpectedArgumentIsNamed() throws Exception {
    assertThat(run("pin-poster", "--rate")).isEqualTo(2);
    assertThat(err.toString(UTF_8)).isEqualTo("lambda pin-poster: unexpected argument '--rate'\n");
    assertThat(out.toString(UTF_8)).isEmpty();
  }

  @Test
  void aValueThatIsNotANumberIsNamed() throws Exception {
    assertThat(run("pin-poster", "--count", "ten")).isEqualTo(2);
    assertThat(err.toString(UTF_8))
        .isEqualTo("lambda pin-poster: not a number: For input string: \"ten\"\n");
  }

  @Test
  void helpPrintsUsage() throws Exception {
    assertThat(run("pin-poster", "--help")).isZero();
    assertThat(out.toString(UTF_8))
        .startsWith("usage: lambda demo pinterest [--pins 200]")
        .contains("lambda pin-poster [--url http://127.0.0.1:5001] [--rate 10] [--count 1000]");
  }
}

package io.lambdaflow.examples.pinterest;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Pinterest commands, started by {@code bin/lambda demo pinterest|pin-poster}.
 *
 * <pre>
 * lambda demo pinterest [--pins 200] [--conf conf/pinterest.conf] [--verbose]
 * lambda pin-poster [--url http://127.0.0.1:5001] [--rate 10] [--count N | --forever]
 *                   [--dataset 1000] [--concurrency 4]
 * </pre>
 */
public final class PinterestMain {
  private static final Set<String> SWITCHES = Set.of("--verbose", "--forever", "--help");

  private PinterestMain() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    boolean demo = args.length > 1 && args[0].equals("demo") && args[1].equals("pinterest");
    boolean poster = args.length > 0 && args[0].equals("pin-poster");
    if (!demo && !poster) {
      usage(out);
      return 2;
    }
    String verb = demo ? "demo pinterest" : "pin-poster";
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = demo ? 2 : 1; i < args.length; i++) {
      if (SWITCHES.contains(args[i])) {
        options.put(args[i], "true");
      } else if (args[i].startsWith("--") && i + 1 < args.length) {
        options.put(args[i], args[++i]);
      } else {
        err.println("lambda " + verb + ": unexpected argument '" + args[i] + "'");
        return 2;
      }
    }
    if (options.containsKey("--help")) {
      return usage(out);
    }
    try {
      return demo ? demo(options, out) : poster(options, out);
    } catch (NumberFormatException e) {
      err.println("lambda " + verb + ": not a number: " + e.getMessage());
      return 2;
    }
  }

  private static int demo(Map<String, String> options, PrintStream out) throws Exception {
    if (!options.containsKey("--verbose")) {
      org.apache.logging.log4j.core.config.Configurator.setLevel(
          "io.lambdaflow", org.apache.logging.log4j.Level.WARN);
    }
    new PinterestDemo(
            Path.of(options.getOrDefault("--conf", "conf/pinterest.conf")),
            Integer.parseInt(options.getOrDefault("--pins", "200")),
            out)
        .run();
    return 0;
  }

  /** Posts pins until {@code --count} are done (or forever), a progress line every 10 seconds. */
  private static int poster(Map<String, String> options, PrintStream out) throws Exception {
    String url = options.getOrDefault("--url", "http://127.0.0.1:5001");
    long count =
        options.containsKey("--forever")
            ? Long.MAX_VALUE
            : Long.parseLong(options.getOrDefault("--count", "1000"));
    int dataset = Integer.parseInt(options.getOrDefault("--dataset", "1000"));
    double rate = Double.parseDouble(options.getOrDefault("--rate", "10"));
    int concurrency = Integer.parseInt(options.getOrDefault("--concurrency", "4"));
    out.printf(
        Locale.ROOT,
        "posting %s pins from a dataset of %,d to %s/pin at %s%n",
        count == Long.MAX_VALUE ? "looping" : String.format(Locale.ROOT, "%,d", count),
        dataset,
        url,
        rate > 0 ? rate + " per second" : "full speed");
    out.flush();
    PinPoster.Result result =
        PinPoster.run(
            url,
            count,
            dataset,
            rate,
            concurrency,
            Duration.ofSeconds(10),
            progress -> out.println("  " + describe(progress)));
    out.println(describe(result));
    if (result.firstFailure() != null) {
      out.println("first failure: " + result.firstFailure());
    }
    return result.failed() == 0 ? 0 : 1;
  }

  private static String describe(PinPoster.Result result) {
    return String.format(
        Locale.ROOT,
        "%,d acknowledged, %,d refused (not JSON), %,d failed, in %.1f s",
        result.accepted(),
        result.refused(),
        result.failed(),
        result.took().toMillis() / 1000.0);
  }

  private static int usage(PrintStream out) {
    out.println(
        """
        usage: lambda demo pinterest [--pins 200] [--conf conf/pinterest.conf] [--verbose]
               lambda pin-poster [--url http://127.0.0.1:5001] [--rate 10] [--count 1000]
                                 [--forever] [--dataset 1000] [--concurrency 4]
        pin-poster POSTs the looping dataset's dirty pins to the ingest API's /pin route
        (bin/lambda ingest conf/pinterest.conf); --rate 0 posts as fast as it can.""");
    return 0;
  }
}

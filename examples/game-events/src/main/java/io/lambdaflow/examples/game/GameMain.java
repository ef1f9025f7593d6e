package io.lambdaflow.examples.game;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The game-events commands, started by {@code bin/lambda demo|game-load}.
 *
 * <pre>
 * lambda demo [--keep-running] [--events N] [--api-port 5000] [--port 8088]
 * lambda game-load [--url http://127.0.0.1:5000] [--count 1000] [--rate 200] [--hosts a,b]
 *                  [--concurrency 8]
 * </pre>
 */
public final class GameMain {
  private static final Set<String> SWITCHES = Set.of("--keep-running", "--verbose", "--help");

  private GameMain() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args));
  }

  static int run(String[] args) throws Exception {
    if (args.length == 0) {
      return usage();
    }
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      if (SWITCHES.contains(args[i])) {
        options.put(args[i], "true");
      } else if (args[i].startsWith("--") && i + 1 < args.length) {
        options.put(args[i], args[++i]);
      } else {
        System.err.println("lambda " + args[0] + ": unexpected argument '" + args[i] + "'");
        return 2;
      }
    }
    if (options.containsKey("--help")) {
      return usage();
    }
    switch (args[0]) {
      case "demo" -> {
        if (!options.containsKey("--verbose")) {
          // The demo prints its own progress; the layers' per-batch lines would drown it.
          org.apache.logging.log4j.core.config.Configurator.setLevel(
              "io.lambdaflow", org.apache.logging.log4j.Level.WARN);
        }
        long events = Long.parseLong(options.getOrDefault("--events", "900"));
        Demo demo =
            new Demo(
                new Demo.Options(
                    Path.of(options.getOrDefault("--conf", "conf/game-events.conf")),
                    Path.of(options.getOrDefault("--storage-root", "target/demo")),
                    events * 2 / 3,
                    events - events * 2 / 3,
                    Integer.parseInt(options.getOrDefault("--api-port", "5000")),
                    Integer.parseInt(options.getOrDefault("--port", "8088")),
                    options.containsKey("--keep-running")),
                System.out);
        try {
          demo.run();
        } catch (Exception e) {
          if (!demo.wasTerminated()) {
            throw e;
          }
        }
        if (demo.wasTerminated()) {
          System.out.println("demo stopped");
        }
        return 0;
      }
      case "game-load" -> {
        List<String> hosts =
            Arrays.asList(options.getOrDefault("--hosts", String.join(",", Demo.HOSTS)).split(","));
        LoadGenerator.Result result =
            LoadGenerator.run(
                options.getOrDefault("--url", "http://127.0.0.1:5000"),
                hosts,
                Long.parseLong(options.getOrDefault("--count", "1000")),
                Double.parseDouble(options.getOrDefault("--rate", "200")),
                Integer.parseInt(options.getOrDefault("--concurrency", "8")),
                Long.parseLong(options.getOrDefault("--seed", "1")));
        System.out.printf(
            Locale.ROOT,
            "%,d requests acknowledged, %,d failed, in %.1f s%n",
            result.sent(),
            result.failed(),
            result.took().toMillis() / 1000.0);
        result.events().forEach((host, types) -> System.out.println("  " + host + " " + types));
        return result.failed() == 0 ? 0 : 1;
      }
      default -> {
        System.err.println("unknown command '" + args[0] + "'");
        return usage();
      }
    }
  }

  private static int usage() {
    System.out.println(
        """
        usage: lambda demo [--keep-running] [--events 900] [--api-port 5000] [--port 8088]
                           [--verbose]
               lambda game-api [--bootstrap-servers 127.0.0.1:9092] [--port 5000]
               lambda game-load [--url http://127.0.0.1:5000] [--count 1000] [--rate 200]
                                [--hosts user1.comcast.com,user2.att.com] [--concurrency 8]

        demo       the game-events pipeline end to end on embedded services: Kafka, the game API,
                   traffic, a batch run, the speed layer, the serving layer; prints the purchases
                   per host with how many came from the batch and the speed view
        game-api   the game's web API, logging every request to Kafka (as the seed's game_api.py):
                   lambda ingest conf/game-events.conf
        game-load  drives the game API like ab, for several hosts, at a rate
        """);
    return 2;
  }
}

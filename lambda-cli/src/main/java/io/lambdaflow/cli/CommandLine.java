package io.lambdaflow.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed command line: {@code lambda VERB [FILE] [-Dkey=value ...] [--jars a.jar,b.jar]
 * [--help]}.
 *
 * @param verb validate, batch, plugins or help
 * @param file the pipeline file, when the verb takes one
 * @param overrides pipeline keys set with -Dkey=value
 * @param jars plugin jars to add to the classpath
 * @param help whether --help was given
 */
record CommandLine(
    String verb, Path file, Map<String, String> overrides, List<Path> jars, boolean help) {

  /** Thrown for a command line that cannot be understood; its message says what to type instead. */
  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  static CommandLine parse(String[] args) throws UsageException {
    if (args.length == 0) {
      return new CommandLine("help", null, Map.of(), List.of(), false);
    }
    String verb = args[0];
    if (verb.equals("--help") || verb.equals("-h")) {
      verb = "help";
    }
    Path file = null;
    Map<String, String> overrides = new LinkedHashMap<>();
    List<Path> jars = new ArrayList<>();
    boolean help = false;
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        help = true;
      } else if (arg.startsWith("-D")) {
        int equals = arg.indexOf('=');
        if (equals < 3) {
          throw new UsageException("expected -Dkey=value, got '" + arg + "'");
        }
        overrides.put(arg.substring(2, equals), arg.substring(equals + 1));
      } else if (arg.equals("--jars")) {
        if (i + 1 >= args.length) {
          throw new UsageException("--jars needs a comma-separated list of jar files");
        }
        for (String jar : args[++i].split(",")) {
          if (!jar.isBlank()) {
            jars.add(Path.of(jar.strip()));
          }
        }
      } else if (arg.startsWith("-")) {
        throw new UsageException("unknown option '" + arg + "'");
      } else if (file == null) {
        file = Path.of(arg);
      } else {
        throw new UsageException(
            "unexpected argument '" + arg + "' (the pipeline file is " + file + ")");
      }
    }
    return new CommandLine(verb, file, Map.copyOf(overrides), List.copyOf(jars), help);
  }
}

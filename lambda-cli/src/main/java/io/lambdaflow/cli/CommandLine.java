package io.lambdaflow.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed command line: {@code lambda VERB [FILE] [-Dkey=value ...] [--flag value ...] [--help]}.
 *
 * @param verb a layer's name (batch, speed, serve, or a layer plugin's), or validate, broker,
 *     produce, plugins or help
 * @param file the pipeline file, when the verb takes one
 * @param overrides pipeline keys set with -Dkey=value
 * @param jars plugin jars to add to the classpath (--jars a.jar,b.jar)
 * @param flags other flags, by name with its dashes (--port), a switch's value "true"
 * @param help whether --help was given
 */
record CommandLine(
    String verb,
    Path file,
    Map<String, String> overrides,
    List<Path> jars,
    Map<String, String> flags,
    boolean help) {

  /** Flags of the service verbs (broker, produce) that take a value; --jars is kept apart. */
  static final Set<String> SERVICE_FLAGS =
      Set.of(
          "--port",
          "--topic",
          "--bootstrap",
          "--partitions",
          "--out",
          "--file",
          "--format",
          "--rate",
          "--key",
          "--avro-schema",
          "--schema-registry",
          "--columns",
          "--stage",
          "--rows",
          "--fixtures",
          "--package",
          "--dir",
          "--workers",
          "--cores",
          "--memory",
          "--master",
          "--deploy-mode",
          "--layer");

  /** Switches (flags without a value) of the built-in verbs. */
  static final Set<String> SERVICE_SWITCHES = Set.of("--update");

  /** Thrown for a command line that cannot be understood; its message says what to type instead. */
  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  /** Parses a service verb's command line (or any, before its verb's options are known). */
  static CommandLine parse(String[] args) throws UsageException {
    return parse(args, SERVICE_SWITCHES, SERVICE_FLAGS);
  }

  /**
   * Parses a command line whose verb takes {@code switches} (flags without a value) and {@code
   * valueFlags} (flags followed by a value), each written with its dashes.
   */
  static CommandLine parse(String[] args, Set<String> switches, Set<String> valueFlags)
      throws UsageException {
    if (args.length == 0) {
      return new CommandLine("help", null, Map.of(), List.of(), Map.of(), false);
    }
    String verb = args[0];
    if (verb.equals("--help") || verb.equals("-h")) {
      verb = "help";
    }
    Path file = null;
    Map<String, String> overrides = new LinkedHashMap<>();
    Map<String, String> flags = new LinkedHashMap<>();
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
        for (String jar : value(args, ++i, arg).split(",")) {
          if (!jar.isBlank()) {
            jars.add(Path.of(jar.strip()));
          }
        }
      } else if (switches.contains(arg)) {
        flags.put(arg, "true");
      } else if (valueFlags.contains(arg)) {
        flags.put(arg, value(args, ++i, arg));
      } else if (arg.startsWith("-")) {
        throw new UsageException("unknown option '" + arg + "'");
      } else if (file == null) {
        file = Path.of(arg);
      } else {
        throw new UsageException(
            "unexpected argument '" + arg + "' (the pipeline file is " + file + ")");
      }
    }
    return new CommandLine(
        verb, file, Map.copyOf(overrides), List.copyOf(jars), Map.copyOf(flags), help);
  }

  /** The verb of a command line, before it is parsed: its first word, or help. */
  static String verbOf(String[] args) {
    return args.length == 0 || args[0].equals("--help") || args[0].equals("-h") ? "help" : args[0];
  }

  /** The plugin jars a command line names (--jars), before it is parsed. */
  static List<Path> jarsOf(String[] args) throws UsageException {
    List<Path> jars = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--jars")) {
        for (String jar : value(args, ++i, args[i - 1]).split(",")) {
          if (!jar.isBlank()) {
            jars.add(Path.of(jar.strip()));
          }
        }
      }
    }
    return jars;
  }

  /** This command line with other pipeline overrides. */
  CommandLine withOverrides(Map<String, String> more) {
    return new CommandLine(verb, file, more, jars, flags, help);
  }

  /** The flags without their dashes: {@code --port 9000} as {@code port = 9000}. */
  Map<String, String> options() {
    Map<String, String> options = new LinkedHashMap<>();
    flags.forEach((flag, value) -> options.put(flag.substring(2), value));
    return options;
  }

  private static String value(String[] args, int index, String flag) throws UsageException {
    if (index >= args.length || args[index].startsWith("--")) {
      throw new UsageException(flag + " needs a value");
    }
    return args[index];
  }

  /** A flag's value, or the default. */
  String flag(String name, String defaultValue) {
    return flags.getOrDefault(name, defaultValue);
  }
}

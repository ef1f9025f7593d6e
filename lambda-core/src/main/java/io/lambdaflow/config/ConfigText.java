package io.lambdaflow.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Parses pipeline text with typesafe-config, first checking what its parser reports poorly or not
 * at all: nesting deeper than {@link #MAX_DEPTH} levels (its recursive parser overflows the stack),
 * a bracket opened and never closed (reported at the end of the file as a missing ')'), a bracket
 * closed by the wrong kind, and a plain {@code include} of a file that is not there (silently empty
 * unless it says {@code include required(...)}).
 */
final class ConfigText {
  static final int MAX_DEPTH = 64;

  private ConfigText() {}

  /**
   * @param text the pipeline text
   * @param name how locations name it ({@code conf/p.conf})
   * @param file the file the text was read from, if any (includes are relative to it)
   */
  static Config parse(String text, String name, Optional<Path> file) throws ConfigurationException {
    Optional<Problem> structure = structure(text, name);
    if (structure.isPresent() && structure.get().message().startsWith("nesting deeper")) {
      throw new ConfigurationException(List.of(structure.get()));
    }
    Includes includes = new Includes(new ArrayList<>(), null);
    Config parsed;
    try {
      ConfigParseOptions options =
          ConfigParseOptions.defaults().setOriginDescription(name).setIncluder(includes);
      parsed =
          file.isPresent()
              ? ConfigFactory.parseFile(
                  file.get().toFile(), options.setOriginDescription(null).setAllowMissing(false))
              : ConfigFactory.parseString(text, options);
    } catch (ConfigException e) {
      throw new ConfigurationException(List.of(structure.orElseGet(() -> syntaxProblem(e))));
    } catch (StackOverflowError e) {
      throw new ConfigurationException(
          List.of(new Problem(name, "", "nesting too deep to read; flatten the file")));
    }
    List<Problem> missing = new ArrayList<>();
    Optional<Path> directory = file.map(f -> f.toAbsolutePath().getParent());
    for (String included : includes.names()) {
      if (directory.isPresent() && !exists(directory.get(), included)) {
        missing.add(
            new Problem(
                name + lineOf(text, included).map(l -> ":" + l).orElse(""),
                "",
                "include \""
                    + included
                    + "\" finds no file (looked in "
                    + directory.get().toAbsolutePath()
                    + "); fix the name, or write include required(\""
                    + included
                    + "\") to make a missing file an error everywhere"));
      }
    }
    if (!missing.isEmpty()) {
      throw new ConfigurationException(missing);
    }
    return parsed;
  }

  static Problem syntaxProblem(ConfigException e) {
    String message = e.getMessage();
    String origin = e.origin() == null ? "(unknown)" : Origins.describe(e.origin());
    String prefix = e.origin() == null ? "" : e.origin().description() + ": ";
    if (message.startsWith(prefix)) {
      message = message.substring(prefix.length());
    }
    return new Problem(origin, "", message);
  }

  private static boolean exists(Path directory, String included) {
    Path path = directory.resolve(included);
    if (Files.exists(path)) {
      return true;
    }
    for (String extension : new String[] {".conf", ".json", ".properties"}) {
      if (Files.exists(directory.resolve(included + extension))) {
        return true;
      }
    }
    return false;
  }

  private static Optional<Integer> lineOf(String text, String included) {
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].contains("include") && lines[i].contains("\"" + included + "\"")) {
        return Optional.of(i + 1);
      }
    }
    return Optional.empty();
  }

  /**
   * The first structural problem: nesting too deep, a bracket closed by the wrong kind, or one
   * never closed (at the line that opened it). Strings, substitutions and comments are skipped.
   */
  static Optional<Problem> structure(String text, String name) {
    Deque<int[]> open = new ArrayDeque<>(); // {bracket, line}
    int line = 1;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        line++;
      } else if (c == '#' || (c == '/' && i + 1 < n && text.charAt(i + 1) == '/')) {
        while (i + 1 < n && text.charAt(i + 1) != '\n') {
          i++;
        }
      } else if (c == '"') {
        boolean triple = text.startsWith("\"\"\"", i);
        int end = triple ? text.indexOf("\"\"\"", i + 3) : closingQuote(text, i + 1);
        if (end < 0) {
          return Optional.empty(); // the parser says where the string starts
        }
        int stop = triple ? end + 2 : end;
        for (int k = i; k < stop; k++) {
          line += text.charAt(k) == '\n' ? 1 : 0;
        }
        i = stop;
      } else if (c == '{' || c == '[') {
        open.push(new int[] {c, line});
        if (open.size() > MAX_DEPTH) {
          return Optional.of(
              new Problem(
                  name + ":" + line,
                  "",
                  "nesting deeper than " + MAX_DEPTH + " levels; a pipeline never needs that"));
        }
      } else if (c == '}' || c == ']') {
        char expected = c == '}' ? '{' : '[';
        if (open.isEmpty()) {
          return Optional.of(new Problem(name + ":" + line, "", "'" + c + "' closes nothing"));
        }
        int[] top = open.pop();
        if (top[0] != expected) {
          return Optional.of(
              new Problem(
                  name + ":" + line,
                  "",
                  "'" + c + "' closes the '" + (char) top[0] + "' opened at line " + top[1]));
        }
      }
    }
    if (!open.isEmpty()) {
      int[] unclosed = open.peek(); // the innermost one still open
      char closer = unclosed[0] == '{' ? '}' : ']';
      return Optional.of(
          new Problem(
              name + ":" + unclosed[1],
              "",
              "'"
                  + (char) unclosed[0]
                  + "' opened here is never closed: a '"
                  + closer
                  + "' is missing"));
    }
    return Optional.empty();
  }

  private static int closingQuote(String text, int from) {
    for (int k = from; k < text.length(); k++) {
      char c = text.charAt(k);
      if (c == '\\') {
        k++;
      } else if (c == '"') {
        return k;
      } else if (c == '\n') {
        return -1;
      }
    }
    return -1;
  }

  /** Remembers each plain include while typesafe-config's own includer does the work. */
  private record Includes(List<String> names, ConfigIncluder fallback)
      implements ConfigIncluder, ConfigIncluderFile {
    @Override
    public ConfigIncluder withFallback(ConfigIncluder next) {
      return new Includes(names, next);
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
      names.add(what);
      return fallback.include(context, what);
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
      return ((ConfigIncluderFile) fallback).includeFile(context, what);
    }
  }
}

package io.lambdaflow.config;

import com.typesafe.config.ConfigOrigin;

/** Renders a config value's origin as {@code file:line}. */
final class Origins {
  private Origins() {}

  /** Whether a value came from {@code ${?VAR}} (typesafe-config names that origin so). */
  static boolean isEnvironment(ConfigOrigin origin) {
    return origin != null
        && origin.filename() == null
        && origin.resource() == null
        && origin.description().startsWith("env var");
  }

  static String describe(ConfigOrigin origin) {
    if (origin == null) {
      return "(unknown)";
    }
    String where = origin.resource() != null ? origin.resource() : origin.filename();
    if (where == null && origin.description().startsWith("merge of ")) {
      // An object merged from the file and reference.conf: the file, which comes first, is where
      // the user looks.
      String first = origin.description().substring("merge of ".length()).split(",")[0];
      return first.replaceFirst(" @ .*$", "").replaceFirst(": (\\d+)(-\\d+)?$", ":$1");
    }
    if (where == null) {
      // Text parsed with an origin description renders as "name: 12"; keep the file:line shape.
      String base = origin.description().replaceFirst(": \\d+(-\\d+)?$", "");
      return origin.lineNumber() > 0 ? base + ":" + origin.lineNumber() : base;
    }
    return origin.lineNumber() > 0 ? where + ":" + origin.lineNumber() : where;
  }
}

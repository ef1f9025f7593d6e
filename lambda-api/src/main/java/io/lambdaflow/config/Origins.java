package io.lambdaflow.config;

import com.typesafe.config.ConfigOrigin;

/** Renders a config value's origin as {@code file:line}. */
final class Origins {
  private Origins() {}

  static String describe(ConfigOrigin origin) {
    if (origin == null) {
      return "(unknown)";
    }
    String where = origin.resource() != null ? origin.resource() : origin.filename();
    if (where == null) {
      // Text parsed with an origin description renders as "name: 12"; keep the file:line shape.
      String base = origin.description().replaceFirst(": \\d+(-\\d+)?$", "");
      return origin.lineNumber() > 0 ? base + ":" + origin.lineNumber() : base;
    }
    return origin.lineNumber() > 0 ? where + ":" + origin.lineNumber() : where;
  }
}

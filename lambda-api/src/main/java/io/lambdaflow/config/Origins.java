package io.lambdaflow.config;

import com.typesafe.config.ConfigOrigin;

/** Renders a config value's origin as {@code file:line}. */
final class Origins {
  private Origins() {}

  static String describe(ConfigOrigin origin) {
    if (origin == null) {
      return "(unknown)";
    }
    String where = origin.filename() != null ? origin.filename() : origin.resource();
    if (where == null) {
      return origin.description();
    }
    return origin.lineNumber() > 0 ? where + ":" + origin.lineNumber() : where;
  }
}

package io.lambdaflow.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * The standard option types. The Spark-aware ones (schemas, data types, expressions, queries) are
 * checked with Spark's SQL parser during validation, so a typo in a filter condition is reported
 * with its file and line before any session starts.
 */
public final class OptionTypes {
  private OptionTypes() {}

  private record Simple<T>(String expectation, Converter<T> converter) implements OptionType<T> {
    @Override
    public T convert(Object value) {
      return converter.convert(value);
    }
  }

  @FunctionalInterface
  private interface Converter<T> {
    T convert(Object value);
  }

  private static <T> OptionType<T> of(String expectation, Converter<T> converter) {
    return new Simple<>(expectation, converter);
  }

  /** A string; numbers and booleans are taken as their text. */
  public static OptionType<String> string() {
    return of("a string", OptionTypes::scalarText);
  }

  /** A whole number in the range of {@code int}. */
  public static OptionType<Integer> integer() {
    return of(
        "an integer",
        value -> {
          long number = wholeNumber(value);
          if (number < Integer.MIN_VALUE || number > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("got " + number + ", which is out of range");
          }
          return (int) number;
        });
  }

  /** A whole number in the range of {@code long}. */
  public static OptionType<Long> longInteger() {
    return of("an integer", OptionTypes::wholeNumber);
  }

  /** A number. */
  public static OptionType<Double> decimal() {
    return of(
        "a number",
        value -> {
          if (value instanceof Number number) {
            return number.doubleValue();
          }
          String text = scalarText(value);
          try {
            return Double.parseDouble(text.trim());
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("got " + describe(value));
          }
        });
  }

  /** {@code true} or {@code false} (also {@code yes}/{@code no}, {@code on}/{@code off}). */
  public static OptionType<Boolean> bool() {
    return of(
        "a boolean (true or false)",
        value -> {
          if (value instanceof Boolean b) {
            return b;
          }
          String text = scalarText(value).trim().toLowerCase(Locale.ROOT);
          return switch (text) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("got " + describe(value));
          };
        });
  }

  /** A duration in HOCON's notation: {@code 10 seconds}, {@code 500ms}, {@code 2m}. */
  public static OptionType<Duration> duration() {
    return of(
        "a duration such as '10 seconds' or '500ms'",
        value -> {
          return HoconUnits.duration(value)
              .orElseThrow(() -> new IllegalArgumentException("got " + describe(value)));
        });
  }

  /** A positive size in HOCON's notation, in bytes: {@code 512MB}, {@code 2GiB}, {@code 1G}. */
  public static OptionType<Long> memorySize() {
    return of(
        "a size such as '512MB' or '2GB'",
        value -> {
          long bytes =
              HoconUnits.bytes(value)
                  .orElseThrow(() -> new IllegalArgumentException("got " + describe(value)));
          if (bytes <= 0) {
            throw new IllegalArgumentException(
                "got " + describe(value) + ", which is not positive");
          }
          return bytes;
        });
  }

  /** A list of strings. */
  public static OptionType<List<String>> stringList() {
    return of(
        "a list of strings",
        value -> {
          if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("got " + describe(value));
          }
          List<String> strings = new ArrayList<>(list.size());
          for (Object element : list) {
            strings.add(scalarText(element));
          }
          return List.copyOf(strings);
        });
  }

  /**
   * An object of string values, in the order written: {@code { header = true, sep = ";" }}. Dotted
   * keys ({@code a.b = 1}) become the flat key {@code a.b}, as Spark options are written.
   */
  public static OptionType<Map<String, String>> stringMap() {
    return of(
        "an object of string values",
        value -> {
          if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("got " + describe(value));
          }
          Map<String, String> flat = new LinkedHashMap<>();
          flatten("", map, flat);
          return Collections.unmodifiableMap(flat);
        });
  }

  /** One of a fixed set of names, compared ignoring case; returns the name as declared. */
  public static OptionType<String> oneOf(String... choices) {
    List<String> allowed = List.of(choices);
    return of(
        "one of " + allowed,
        value -> {
          String text = scalarText(value).trim();
          for (String choice : allowed) {
            if (choice.equalsIgnoreCase(text)) {
              return choice;
            }
          }
          String closest =
              Suggestions.closest(text, allowed).map(c -> "; did you mean '" + c + "'?").orElse("");
          throw new IllegalArgumentException("got '" + text + "'" + closest);
        });
  }

  /**
   * A Spark schema in DDL form, {@code "event_type STRING, amount DOUBLE, ts TIMESTAMP"}, checked
   * with Spark's parser.
   */
  public static OptionType<StructType> schema() {
    return of(
        "a schema in Spark DDL, such as 'id BIGINT, name STRING'",
        value -> {
          String ddl = scalarText(value);
          try {
            StructType schema = StructType.fromDDL(ddl);
            if (schema.fields().length == 0) {
              throw new IllegalArgumentException("got an empty schema");
            }
            return schema;
          } catch (IllegalArgumentException e) {
            throw e;
          } catch (Exception e) {
            throw new IllegalArgumentException(firstLine(e.getMessage()));
          }
        });
  }

  /** A Spark SQL data type: {@code int}, {@code decimal(10,2)}, {@code array<string>}. */
  public static OptionType<DataType> dataType() {
    return of(
        "a Spark SQL type such as 'int', 'timestamp' or 'decimal(10,2)'",
        value -> {
          try {
            return CatalystSqlParser$.MODULE$.parseDataType(scalarText(value));
          } catch (Exception e) {
            throw new IllegalArgumentException(firstLine(e.getMessage()));
          }
        });
  }

  /** A Java regular expression ({@code (^|,)#}), compiled to check it; the text is kept. */
  public static OptionType<String> regex() {
    return of(
        "a regular expression",
        value -> {
          String text = scalarText(value);
          try {
            java.util.regex.Pattern.compile(text);
            return text;
          } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException(
                "'" + text + "' is not a regular expression: " + e.getDescription());
          }
        });
  }

  /** A Spark SQL expression ({@code amount > 0 AND event_type = 'purchase'}), syntax-checked. */
  public static OptionType<String> expression() {
    return of(
        "a Spark SQL expression",
        value -> {
          String text = scalarText(value);
          try {
            CatalystSqlParser$.MODULE$.parseExpression(text);
            return text;
          } catch (Exception e) {
            throw new IllegalArgumentException(firstLine(e.getMessage()));
          }
        });
  }

  /** A Spark SQL query ({@code SELECT ...}), syntax-checked. */
  public static OptionType<String> query() {
    return of(
        "a Spark SQL query",
        value -> {
          String text = scalarText(value);
          try {
            CatalystSqlParser$.MODULE$.parsePlan(text);
            return text;
          } catch (Exception e) {
            throw new IllegalArgumentException(firstLine(e.getMessage()));
          }
        });
  }

  /** Each value of a string map must itself be valid for {@code valueType}. */
  public static <T> OptionType<Map<String, T>> mapOf(OptionType<T> valueType) {
    OptionType<Map<String, String>> strings = stringMap();
    return of(
        "an object whose values are each " + valueType.expectation(),
        value -> {
          Map<String, T> typed = new LinkedHashMap<>();
          for (Map.Entry<String, String> entry : strings.convert(value).entrySet()) {
            try {
              typed.put(entry.getKey(), valueType.convert(entry.getValue()));
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException(
                  "value of '"
                      + entry.getKey()
                      + "' is not "
                      + valueType.expectation()
                      + ": "
                      + e.getMessage());
            }
          }
          return Collections.unmodifiableMap(typed);
        });
  }

  private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      String key = prefix + entry.getKey();
      if (entry.getValue() instanceof Map<?, ?> nested) {
        flatten(key + ".", nested, out);
      } else {
        out.put(key, scalarText(entry.getValue()));
      }
    }
  }

  private static long wholeNumber(Object value) {
    if (value instanceof Integer || value instanceof Long) {
      return ((Number) value).longValue();
    }
    if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())) {
      return number.longValue();
    }
    if (value instanceof String text) {
      try {
        return Long.parseLong(text.trim());
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw new IllegalArgumentException("got " + describe(value));
  }

  private static String scalarText(Object value) {
    if (value instanceof String || value instanceof Number || value instanceof Boolean) {
      return String.valueOf(value);
    }
    throw new IllegalArgumentException("got " + describe(value));
  }

  /** How a configured value is named in errors: {@code string 'abc'}, {@code a list}. */
  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String text) {
      return "string '" + text + "'";
    }
    if (value instanceof Boolean b) {
      return "boolean " + b;
    }
    if (value instanceof Number number) {
      return "number " + number;
    }
    if (value instanceof List<?>) {
      return "a list";
    }
    if (value instanceof Map<?, ?>) {
      return "an object";
    }
    return value.getClass().getSimpleName();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "cannot be parsed";
    }
    String trimmed = message.strip();
    int newline = trimmed.indexOf('\n');
    return newline < 0 ? trimmed : trimmed.substring(0, newline).strip();
  }
}

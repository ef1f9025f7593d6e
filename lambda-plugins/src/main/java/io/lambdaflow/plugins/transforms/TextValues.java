package io.lambdaflow.plugins.transforms;

import java.math.BigDecimal;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The value conversions of the cleaning transforms, plain Java so each is tested on its own: a
 * quantity such as {@code 12k} or {@code 1.5M}, and text with unicode escapes and invisible
 * characters. Each throws {@link IllegalArgumentException} with the reason a dead letter carries.
 */
final class TextValues {
  private static final Pattern QUANTITY =
      Pattern.compile(
          "([+-]?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?|[+-]?\\.\\d+)\\s*([A-Za-z]*)");
  private static final Pattern ESCAPE = Pattern.compile("\\\\u([0-9A-Fa-f]{4})");

  private TextValues() {}

  /**
   * A quantity: digits (with optional thousands commas and decimals) and an optional suffix, a key
   * of {@code suffixes} in any letter case: {@code 12k} is 12,000 with {@code k = 1000}.
   *
   * @param whole whether the result must be a whole number (a long column)
   * @return the value, or null for null or blank text
   */
  static BigDecimal quantity(String text, Map<String, BigDecimal> suffixes, boolean whole) {
    if (text == null || text.isBlank()) {
      return null;
    }
    Matcher matcher = QUANTITY.matcher(text.trim());
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a quantity (digits and an optional suffix: 12k, 1.5M, 300)");
    }
    BigDecimal value = new BigDecimal(matcher.group(1).replace(",", ""));
    String suffix = matcher.group(2).toLowerCase(Locale.ROOT);
    if (!suffix.isEmpty()) {
      BigDecimal factor = suffixes.get(suffix);
      if (factor == null) {
        throw new IllegalArgumentException(
            "'"
                + text
                + "' has the unknown suffix '"
                + matcher.group(2)
                + "' (known: "
                + String.join(", ", new java.util.TreeSet<>(suffixes.keySet()))
                + ")");
      }
      value = value.multiply(factor);
    }
    if (whole) {
      try {
        return new BigDecimal(value.stripTrailingZeros().toBigIntegerExact().longValueExact());
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException(
            "'"
                + text
                + "' is "
                + value.stripTrailingZeros().toPlainString()
                + ", not a whole number in range");
      }
    }
    return value;
  }

  /**
   * Text made clean: literal {@code \}{@code uXXXX} escapes decoded (when {@code unescape}),
   * normalised to {@code form}, and format and control characters (zero-width spaces, byte-order
   * marks; tab, newline and carriage return are kept) removed (when {@code removeInvisible}).
   *
   * @return the text, or null for null
   */
  static String unicode(
      String text, Normalizer.Form form, boolean unescape, boolean removeInvisible) {
    if (text == null) {
      return null;
    }
    String decoded = unescape ? unescape(text) : text;
    String normal = Normalizer.normalize(decoded, form);
    if (!removeInvisible) {
      return normal;
    }
    StringBuilder visible = new StringBuilder(normal.length());
    normal
        .codePoints()
        .filter(
            c ->
                c == '\t'
                    || c == '\n'
                    || c == '\r'
                    || (Character.getType(c) != Character.FORMAT
                        && Character.getType(c) != Character.CONTROL))
        .forEach(visible::appendCodePoint);
    return visible.toString();
  }

  private static String unescape(String text) {
    if (text.indexOf("\\u") < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    Matcher matcher = ESCAPE.matcher(text);
    int at = 0;
    while (matcher.find()) {
      out.append(text, at, matcher.start());
      out.append((char) Integer.parseInt(matcher.group(1), 16));
      at = matcher.end();
    }
    out.append(text.substring(at));
    String decoded = out.toString();
    int bad = text.indexOf("\\u", 0);
    while (bad >= 0) {
      if (!ESCAPE.matcher(text).region(bad, text.length()).lookingAt()) {
        throw new IllegalArgumentException(
            "'"
                + text
                + "' has a broken unicode escape at character "
                + (bad + 1)
                + " (expected \\u and four hex digits)");
      }
      bad = text.indexOf("\\u", bad + 2);
    }
    for (int i = 0; i < decoded.length(); i++) {
      char c = decoded.charAt(i);
      if (Character.isHighSurrogate(c)
          && (i + 1 == decoded.length() || !Character.isLowSurrogate(decoded.charAt(i + 1)))) {
        throw new IllegalArgumentException("'" + text + "' has an unpaired surrogate escape");
      } else if (Character.isHighSurrogate(c)) {
        i++;
      } else if (Character.isLowSurrogate(c)) {
        throw new IllegalArgumentException("'" + text + "' has an unpaired surrogate escape");
      }
    }
    return decoded;
  }
}

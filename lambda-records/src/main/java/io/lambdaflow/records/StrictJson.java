package io.lambdaflow.records;

/**
 * Strict syntax check: is a record exactly one JSON object as RFC 8259 defines it?
 *
 * <p>Spark's {@code from_json} is permissive: it quietly accepts single-quoted strings, unquoted
 * field names, comments, NaN and Infinity, numbers with leading zeros, and garbage after a complete
 * object (it reads <code>{"a":1}}</code> as <code>{"a":1}</code>). Each record is checked here
 * before Spark converts it, and a record with a problem becomes a dead letter with the reason.
 *
 * <p>This runs once per record on hot paths, so it makes one pass over the chars, throws nothing
 * and allocates nothing for a good record (unless it nests deeper than 64 levels). Nesting is
 * tracked in the bits of a long, not by recursion, so a hostile {@code [[[[...} cannot overflow the
 * thread stack; records nested deeper than {@value #MAX_DEPTH} levels are refused.
 *
 * <p>Positions in reasons are 1-based char indexes. A bad number or literal is reported at its
 * first char and a trailing comma at the comma, which is where a reader has to look.
 */
final class StrictJson {
  static final int MAX_DEPTH = 512;

  private static final String INCOMPLETE =
      "incomplete JSON: the record ends before the object closes";

  // What the next non-whitespace char may be.
  private static final int KEY_OR_END = 0; // just after '{'
  private static final int KEY = 1; // after ',' in an object, where '}' is a trailing comma
  private static final int COLON = 2;
  private static final int VALUE_OR_END = 3; // just after '['
  private static final int VALUE = 4; // after ':', or after ',' in an array
  private static final int AFTER_VALUE = 5;

  // Problems as negative codes in place of an index, so the good path builds no message.
  private static final int UNEXPECTED = -1;
  private static final int CUT_SHORT = -2;
  private static final int INVALID_NUMBER = -3;
  private static final int LEADING_ZERO = -4;
  private static final int NON_NUMERIC = -5;
  private static final int SINGLE_QUOTE = -6;
  private static final int UNQUOTED_NAME = -7;
  private static final int TRAILING_COMMA = -8;

  private StrictJson() {}

  /**
   * Null if text is exactly one JSON object (RFC 8259, surrounding whitespace allowed); else why
   * not.
   */
  static String problem(String text) {
    int n = text.length();
    int i = skipWhitespace(text, 0);
    if (i == n) {
      return "empty record";
    }
    if (text.charAt(i) != '{') {
      return "not a JSON object: the record starts with '" + show(text.charAt(i)) + "'";
    }
    // Whether each open level is an object: bit k of a long covers every realistic record, and the
    // array is only allocated for records nested deeper than 64 levels.
    long shallow = 1L;
    boolean[] deep = null;
    int depth = 1;
    boolean inObject = true;
    int state = KEY_OR_END;
    int comma = -1;
    i++;
    while (depth > 0) {
      i = skipWhitespace(text, i);
      if (i == n) {
        return INCOMPLETE;
      }
      char c = text.charAt(i);
      if (state == AFTER_VALUE) {
        if (c == ',') {
          comma = i++;
          state = inObject ? KEY : VALUE;
          continue;
        }
        if (c != (inObject ? '}' : ']')) {
          return unexpected(c, i);
        }
      } else if (state == COLON) {
        if (c != ':') {
          return unexpected(c, i);
        }
        i++;
        state = VALUE;
        continue;
      } else if (c == '"') {
        int end = skipString(text, i);
        if (end < 0) {
          return stringProblem(text, i, ~end);
        }
        i = end;
        state = state <= KEY ? COLON : AFTER_VALUE;
        continue;
      } else if (state <= KEY) {
        if (c != '}') {
          boolean name = Character.isLetter(c) || c == '_' || c == '$';
          return describe(c == '\'' ? SINGLE_QUOTE : name ? UNQUOTED_NAME : UNEXPECTED, c, i);
        }
        if (state == KEY) {
          return describe(TRAILING_COMMA, ',', comma);
        }
      } else if (c == '{' || c == '[') {
        if (depth == MAX_DEPTH) {
          return "JSON nested deeper than " + MAX_DEPTH + " levels at character " + (i + 1);
        }
        inObject = c == '{';
        if (depth < 64) {
          shallow = inObject ? shallow | 1L << depth : shallow & ~(1L << depth);
        } else {
          deep = deep == null ? new boolean[MAX_DEPTH] : deep;
          deep[depth] = inObject;
        }
        depth++;
        i++;
        state = inObject ? KEY_OR_END : VALUE_OR_END;
        continue;
      } else if (c != ']' || inObject) {
        int end = skipScalar(text, i, c);
        if (end < 0) {
          return describe(end, c, i);
        }
        i = end;
        state = AFTER_VALUE;
        continue;
      } else if (state == VALUE) {
        return describe(TRAILING_COMMA, ',', comma);
      }
      // Only the bracket closing the innermost container gets here.
      depth--;
      i++;
      state = AFTER_VALUE;
      if (depth > 0) {
        int top = depth - 1;
        inObject = top < 64 ? (shallow & 1L << top) != 0 : deep[top];
      }
    }
    i = skipWhitespace(text, i);
    return i == n ? null : "trailing characters after the JSON object at character " + (i + 1);
  }

  private static int skipWhitespace(String text, int i) {
    int n = text.length();
    for (; i < n; i++) {
      char c = text.charAt(i);
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return i;
      }
    }
    return n;
  }

  /** Index after the string whose quote is at i, or ~index of the offending char (~length). */
  private static int skipString(String text, int i) {
    int n = text.length();
    for (i++; i < n; i++) {
      char c = text.charAt(i);
      if (c == '"') {
        return i + 1;
      }
      if (c < 0x20) {
        return ~i;
      }
      if (c == '\\') {
        if (i + 1 == n) {
          return ~n;
        }
        switch (text.charAt(i + 1)) {
          case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> i++;
          case 'u' -> {
            for (int k = i + 2; k < i + 6; k++) {
              // Character.digit alone would also take other scripts' digits, all above 'f'.
              if (k == n || text.charAt(k) > 'f' || Character.digit(text.charAt(k), 16) < 0) {
                return k == n ? ~n : ~i;
              }
            }
            i += 5;
          }
          default -> {
            return ~i;
          }
        }
      }
    }
    return ~n;
  }

  /** Index after the number or literal starting with c at i, or one of the negative codes. */
  private static int skipScalar(String text, int i, char c) {
    return switch (c) {
      case 't' -> skipLiteral(text, i, "true");
      case 'f' -> skipLiteral(text, i, "false");
      case 'n' -> skipLiteral(text, i, "null");
      case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> skipNumber(text, i);
      case '-' -> isNonNumeric(text, i + 1) ? NON_NUMERIC : skipNumber(text, i);
      case '+' -> isNonNumeric(text, i + 1) ? NON_NUMERIC : INVALID_NUMBER;
      case '.' -> INVALID_NUMBER;
      case 'N', 'I' -> isNonNumeric(text, i) ? NON_NUMERIC : UNEXPECTED;
      case '\'' -> SINGLE_QUOTE;
      default -> UNEXPECTED;
    };
  }

  private static int skipLiteral(String text, int i, String literal) {
    int left = text.length() - i;
    if (left < literal.length()) {
      return text.regionMatches(i, literal, 0, left) ? CUT_SHORT : UNEXPECTED;
    }
    return text.startsWith(literal, i) ? i + literal.length() : UNEXPECTED;
  }

  // The spellings Jackson's ALLOW_NON_NUMERIC_NUMBERS lets through.
  private static boolean isNonNumeric(String text, int i) {
    return text.startsWith("NaN", i) || text.startsWith("INF", i) || text.startsWith("Inf", i);
  }

  private static int skipNumber(String text, int i) {
    int n = text.length();
    if (text.charAt(i) == '-' && ++i == n) {
      return CUT_SHORT;
    }
    char c = text.charAt(i);
    if (c == '0') {
      if (++i < n && isDigit(text.charAt(i))) {
        return LEADING_ZERO;
      }
    } else if (isDigit(c)) {
      i = skipDigits(text, i);
    } else {
      return INVALID_NUMBER;
    }
    if (i < n && text.charAt(i) == '.') {
      i = skipDigits(text, i + 1);
    }
    if (i >= 0 && i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
      if (++i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
        i++;
      }
      i = skipDigits(text, i);
    }
    return i;
  }

  /** Index after the one or more digits at i; a text that stops short may just be truncated. */
  private static int skipDigits(String text, int i) {
    int n = text.length();
    int from = i;
    while (i < n && isDigit(text.charAt(i))) {
      i++;
    }
    return i > from ? i : i == n ? CUT_SHORT : INVALID_NUMBER;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9'; // not Character.isDigit, which takes other scripts' digits
  }

  private static String stringProblem(String text, int start, int at) {
    if (at == text.length()) {
      return "unterminated string starting at character " + (start + 1);
    }
    if (text.charAt(at) == '\\') {
      return "invalid escape '\\" + show(text.charAt(at + 1)) + "' at character " + (at + 1);
    }
    return "unescaped control character in a string at character " + (at + 1);
  }

  /** The reason for problem code found at char c, index i. */
  private static String describe(int code, char c, int i) {
    int at = i + 1;
    return switch (code) {
      case CUT_SHORT -> INCOMPLETE;
      case INVALID_NUMBER -> "invalid number at character " + at;
      case LEADING_ZERO -> "number with a leading zero at character " + at;
      case NON_NUMERIC ->
          "non-numeric number at character " + at + " (NaN and Infinity are not JSON)";
      case SINGLE_QUOTE ->
          "single-quoted string at character " + at + " (JSON strings use double quotes)";
      case UNQUOTED_NAME -> "unquoted field name at character " + at;
      case TRAILING_COMMA -> "trailing comma at character " + at;
      default -> unexpected(c, i);
    };
  }

  private static String unexpected(char c, int i) {
    return "unexpected '" + show(c) + "' at character " + (i + 1);
  }

  // Invisible chars (controls, BOM, no-break space, lone surrogates) would vanish from a reason.
  private static String show(char c) {
    boolean invisible = Character.isISOControl(c) || Character.isSurrogate(c);
    invisible |= (c != ' ' && Character.isSpaceChar(c)) || Character.getType(c) == Character.FORMAT;
    return invisible ? String.format("\\u%04X", (int) c) : String.valueOf(c);
  }
}

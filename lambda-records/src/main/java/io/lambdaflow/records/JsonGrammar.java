package io.lambdaflow.records;

/**
 * The JSON grammar {@link JsonRecordDecoder} reads, over UTF-8 bytes: whitespace, numbers,
 * literals, escapes and well-formed UTF-8, each as strict as {@link StrictJson} (RFC 8259). Each
 * answers an index after what it read, or a negative code, and allocates nothing.
 */
final class JsonGrammar {
  /** The longest number it decodes; a longer one is left to Spark (and its limits). */
  static final int MAX_NUMBER = 100;

  private JsonGrammar() {}

  /**
   * The number at i. For an integer (no fraction, no exponent) -(digits + 1), so a caller knows
   * both that it is an integer and its length; for any other number the index after it; -1 if it is
   * not a number as JSON defines it.
   */
  static int number(byte[] b, int i, int to) {
    int start = i;
    if (b[i] == '-') {
      i++;
    }
    int digits = i;
    if (i >= to || b[i] < '0' || b[i] > '9') {
      return -1;
    }
    if (b[i] == '0') {
      i++;
    } else {
      while (i < to && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
    }
    if (i - start > MAX_NUMBER) {
      return -1;
    }
    boolean integer = true;
    if (i < to && b[i] == '.') {
      integer = false;
      int from = ++i;
      while (i < to && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
      if (i == from) {
        return -1;
      }
    }
    if (i < to && (b[i] == 'e' || b[i] == 'E')) {
      integer = false;
      if (++i < to && (b[i] == '+' || b[i] == '-')) {
        i++;
      }
      int from = i;
      while (i < to && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
      if (i == from) {
        return -1;
      }
    }
    if (i - start > MAX_NUMBER || !endsValue(b, i, to)) {
      return -1;
    }
    return integer ? -(i - digits) - 1 : i;
  }

  /** Whether a value may end before i: what follows is whitespace, ',', '}' or the end. */
  static boolean endsValue(byte[] b, int i, int to) {
    if (i >= to) {
      return true;
    }
    byte c = b[i];
    return c == ',' || c == '}' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }

  static int literal(byte[] b, int i, int to, String literal) {
    int n = literal.length();
    if (to - i < n) {
      return -1;
    }
    for (int k = 0; k < n; k++) {
      if (b[i + k] != literal.charAt(k)) {
        return -1;
      }
    }
    return endsValue(b, i + n, to) ? i + n : -1;
  }

  /** The char an escape (after its backslash, at i) stands for; -1 if left to Spark. */
  static int escape(byte[] b, int i, int to) {
    switch (b[i]) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u':
        if (to - i < 5) {
          return -1;
        }
        int c = 0;
        for (int k = i + 1; k < i + 5; k++) {
          int d = Character.digit(b[k], 16);
          if (d < 0 || b[k] > 'f') {
            return -1;
          }
          c = c * 16 + d;
        }
        return Character.isSurrogate((char) c) ? -1 : c;
      default:
        return -1;
    }
  }

  /**
   * Index after the well-formed UTF-8 sequence at i (a lead byte), or -1: Java's decoder, which
   * Spark's path uses, would replace an ill-formed one, so such records are left to it.
   */
  static int wellFormed(byte[] b, int i, int to) {
    int lead = b[i] & 0xFF;
    int n;
    int low = 0x80;
    int high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      n = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      n = 2;
      low = lead == 0xE0 ? 0xA0 : 0x80;
      high = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      n = 3;
      low = lead == 0xF0 ? 0x90 : 0x80;
      high = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
      return -1;
    }
    if (to - i <= n) {
      return -1;
    }
    int second = b[i + 1] & 0xFF;
    if (second < low || second > high) {
      return -1;
    }
    for (int k = i + 2; k <= i + n; k++) {
      if ((b[k] & 0xC0) != 0x80) {
        return -1;
      }
    }
    return i + n + 1;
  }

  static int skipWhitespace(byte[] b, int i, int to) {
    while (i < to) {
      byte c = b[i];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return i;
      }
      i++;
    }
    return to;
  }
}

package io.lambdaflow.records;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.Arrays;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import scala.Option;

/**
 * A JSON decoder specialised to one schema: one pass over a record's UTF-8 bytes, straight into the
 * values of Spark's internal row, with no tokens, no Java strings and no per-field objects beyond
 * the values themselves.
 *
 * <p>It decodes only what it can decode exactly as Spark's {@code from_json} would, for records the
 * strict syntax check ({@link StrictJson}) passes: one JSON object whose known fields are null or a
 * value of their own type (a string for a string, an integer in range for an integer type, any
 * number for a double, true or false for a boolean). For anything else it answers {@code false} and
 * decodes nothing: a syntax problem, a value of another type, a duplicated field, an escape for a
 * surrogate, bytes that are not well-formed UTF-8, a nested value in a field the schema does not
 * name, a field of a type it does not handle (dates, timestamps, decimals, floats, structs, arrays,
 * maps). The caller then takes Spark's own path for that record, so both paths always agree (the
 * differential test checks it).
 */
final class JsonRecordDecoder {
  private enum Kind {
    STRING,
    BOOLEAN,
    BYTE,
    SHORT,
    INT,
    LONG,
    DOUBLE,
    TIMESTAMP,
    OTHER
  }

  private final byte[][] names;
  private final Kind[] kinds;
  private final ZoneId zone;
  private byte[] scratch = new byte[256];

  /**
   * @param zone the zone of timestamps without one, when they are decoded as Spark's default format
   *     does ({@code DateTimeUtils.stringToTimestamp}); null leaves timestamps to Spark
   */
  JsonRecordDecoder(StructType schema, ZoneId zone) {
    int n = schema.fields().length;
    this.zone = zone;
    names = new byte[n][];
    kinds = new Kind[n];
    for (int i = 0; i < n; i++) {
      names[i] = schema.fields()[i].name().getBytes(StandardCharsets.UTF_8);
      kinds[i] = kind(schema.fields()[i].dataType(), zone);
    }
  }

  /** Whether records of this schema can be decoded here (some field types, up to 64 fields). */
  boolean decodesAny() {
    return kinds.length <= 64 && Arrays.stream(kinds).anyMatch(k -> k != Kind.OTHER);
  }

  private static Kind kind(DataType type, ZoneId zone) {
    if (type.equals(DataTypes.StringType)) {
      return Kind.STRING;
    } else if (type.equals(DataTypes.BooleanType)) {
      return Kind.BOOLEAN;
    } else if (type.equals(DataTypes.ByteType)) {
      return Kind.BYTE;
    } else if (type.equals(DataTypes.ShortType)) {
      return Kind.SHORT;
    } else if (type.equals(DataTypes.IntegerType)) {
      return Kind.INT;
    } else if (type.equals(DataTypes.LongType)) {
      return Kind.LONG;
    } else if (type.equals(DataTypes.DoubleType)) {
      return Kind.DOUBLE;
    } else if (type.equals(DataTypes.TimestampType) && zone != null) {
      return Kind.TIMESTAMP;
    }
    return Kind.OTHER;
  }

  /**
   * Decodes {@code b[from, to)} into {@code values} (one per schema field, in schema order, left
   * null for a field absent or null). False when the record is left to Spark; values are then
   * partly written and must be discarded.
   */
  boolean decode(byte[] b, int from, int to, Object[] values) {
    int i = JsonGrammar.skipWhitespace(b, from, to);
    if (i >= to || b[i] != '{') {
      return false;
    }
    i = JsonGrammar.skipWhitespace(b, i + 1, to);
    if (i < to && b[i] == '}') {
      return JsonGrammar.skipWhitespace(b, i + 1, to) == to;
    }
    long seen = 0; // fields already given, to leave duplicates to Spark
    int guess = 0; // records mostly list fields in schema order
    while (true) {
      if (i >= to || b[i] != '"') {
        return false;
      }
      int keyStart = i + 1;
      int keyEnd = keyStart;
      while (keyEnd < to && b[keyEnd] != '"') {
        byte c = b[keyEnd];
        if (c == '\\' || c < 0x20) { // also bytes >= 0x80 (negative): names are left to Spark
          return false;
        }
        keyEnd++;
      }
      if (keyEnd >= to) {
        return false;
      }
      int field = find(b, keyStart, keyEnd, guess);
      i = JsonGrammar.skipWhitespace(b, keyEnd + 1, to);
      if (i >= to || b[i] != ':') {
        return false;
      }
      i = JsonGrammar.skipWhitespace(b, i + 1, to);
      if (i >= to) {
        return false;
      }
      if (field < 0) {
        i = skipValue(b, i, to);
      } else {
        if ((seen & 1L << field) != 0) {
          return false;
        }
        seen |= 1L << field;
        guess = field + 1;
        i = value(b, i, to, field, values);
      }
      if (i < 0) {
        return false;
      }
      i = JsonGrammar.skipWhitespace(b, i, to);
      if (i >= to) {
        return false;
      }
      if (b[i] == '}') {
        return JsonGrammar.skipWhitespace(b, i + 1, to) == to;
      }
      if (b[i] != ',') {
        return false;
      }
      i = JsonGrammar.skipWhitespace(b, i + 1, to);
    }
  }

  private int find(byte[] b, int start, int end, int guess) {
    int length = end - start;
    for (int k = 0, n = names.length; k < n; k++) {
      int f = guess + k < n ? guess + k : guess + k - n;
      byte[] name = names[f];
      if (name.length == length && Arrays.equals(name, 0, length, b, start, end)) {
        return f;
      }
    }
    return -1;
  }

  /** Index after the value of field at i, or -1 to leave the record to Spark. */
  private int value(byte[] b, int i, int to, int field, Object[] values) {
    if (b[i] == 'n') {
      return JsonGrammar.literal(b, i, to, "null");
    }
    switch (kinds[field]) {
      case STRING -> {
        return b[i] == '"' ? string(b, i, to, values, field) : -1;
      }
      case TIMESTAMP -> { // a string only, as Spark's default format reads it (not an empty one)
        int end = b[i] == '"' ? string(b, i, to, values, field) : -1;
        if (end < 0 || ((UTF8String) values[field]).numBytes() == 0) {
          return -1;
        }
        Option<Object> micros = DateTimeUtils.stringToTimestamp((UTF8String) values[field], zone);
        values[field] = micros.isDefined() ? micros.get() : null;
        return micros.isDefined() ? end : -1;
      }
      case BOOLEAN -> {
        int end =
            b[i] == 't'
                ? JsonGrammar.literal(b, i, to, "true")
                : JsonGrammar.literal(b, i, to, "false");
        values[field] = end > 0 ? (b[i] == 't' ? Boolean.TRUE : Boolean.FALSE) : null;
        return end;
      }
      case BYTE, SHORT, INT, LONG -> {
        int end = JsonGrammar.number(b, i, to);
        if (end >= -1 || -end - 1 > 18) { // a fraction, no number, or too many digits
          return -1;
        }
        return integer(b, i, -end - 1, field, values);
      }
      case DOUBLE -> {
        int end = JsonGrammar.number(b, i, to);
        if (end >= 0) { // as Jackson's getDoubleValue: the text through Double.parseDouble
          values[field] =
              Double.parseDouble(new String(b, i, end - i, StandardCharsets.ISO_8859_1));
          return end;
        }
        if (end == -1 || -end - 1 > 18) {
          return -1;
        }
        // An integer becomes a double from its long value (so -0 is 0.0, as in Spark).
        int stop = integer(b, i, -end - 1, field, values);
        values[field] = ((Long) values[field]).doubleValue();
        return stop;
      }
      default -> {
        return -1;
      }
    }
  }

  private int integer(byte[] b, int i, int digits, int field, Object[] values) {
    boolean negative = b[i] == '-';
    int at = negative ? i + 1 : i;
    long value = 0;
    for (int k = at; k < at + digits; k++) {
      value = value * 10 + (b[k] - '0');
    }
    value = negative ? -value : value;
    switch (kinds[field]) {
      case BYTE -> {
        if (value < Byte.MIN_VALUE || value > Byte.MAX_VALUE) {
          return -1;
        }
        values[field] = (byte) value;
      }
      case SHORT -> {
        if (value < Short.MIN_VALUE || value > Short.MAX_VALUE) {
          return -1;
        }
        values[field] = (short) value;
      }
      case INT -> {
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
          return -1;
        }
        values[field] = (int) value;
      }
      default -> values[field] = value; // LONG, and DOUBLE's integers
    }
    return at + digits;
  }

  /** A value of a field the schema does not name: a scalar, checked; nested ones go to Spark. */
  private int skipValue(byte[] b, int i, int to) {
    return switch (b[i]) {
      case '"' -> string(b, i, to, null, 0);
      case 't' -> JsonGrammar.literal(b, i, to, "true");
      case 'f' -> JsonGrammar.literal(b, i, to, "false");
      case 'n' -> JsonGrammar.literal(b, i, to, "null");
      default -> {
        int end = JsonGrammar.number(b, i, to);
        yield end == -1 ? -1 : end < -1 ? i + (b[i] == '-' ? 1 : 0) - end - 1 : end;
      }
    };
  }

  /**
   * The string whose quote is at i, into values[field] (or only checked when values is null). Index
   * after it, or -1.
   */
  private int string(byte[] b, int i, int to, Object[] values, int field) {
    int start = i + 1;
    int k = start;
    while (k < to) { // the common case: printable ASCII, no escapes
      byte c = b[k];
      if (c == '"') {
        if (values != null) {
          values[field] = UTF8String.fromBytes(b, start, k - start);
        }
        return k + 1;
      }
      if (c == '\\' || c < 0x20) { // bytes >= 0x80 are negative
        break;
      }
      k++;
    }
    int length = 0; // bytes decoded into scratch, from start
    if (values != null) {
      length = k - start;
      ensure(length + 16);
      System.arraycopy(b, start, scratch, 0, length);
    }
    while (k < to) {
      byte c = b[k];
      if (c == '"') {
        if (values != null) {
          values[field] = UTF8String.fromBytes(Arrays.copyOf(scratch, length));
        }
        return k + 1;
      }
      int next;
      if (c == '\\') {
        if (k + 1 >= to) {
          return -1;
        }
        int decoded = JsonGrammar.escape(b, k + 1, to);
        if (decoded < 0) {
          return -1;
        }
        next = b[k + 1] == 'u' ? k + 6 : k + 2;
        if (values != null) {
          ensure(length + 3);
          length = encode(decoded, length);
        }
      } else if (c >= 0x20) {
        next = k + 1;
        if (values != null) {
          ensure(length + 1);
          scratch[length++] = c;
        }
      } else if (c < 0) {
        next = JsonGrammar.wellFormed(b, k, to);
        if (next < 0) {
          return -1;
        }
        if (values != null) {
          ensure(length + 4);
          System.arraycopy(b, k, scratch, length, next - k);
          length += next - k;
        }
      } else {
        return -1; // an unescaped control character
      }
      k = next;
    }
    return -1;
  }

  /** Writes c (not a surrogate) as UTF-8 at scratch[at]; the length after it. */
  private int encode(int c, int at) {
    if (c < 0x80) {
      scratch[at++] = (byte) c;
    } else if (c < 0x800) {
      scratch[at++] = (byte) (0xC0 | c >> 6);
      scratch[at++] = (byte) (0x80 | c & 0x3F);
    } else {
      scratch[at++] = (byte) (0xE0 | c >> 12);
      scratch[at++] = (byte) (0x80 | c >> 6 & 0x3F);
      scratch[at++] = (byte) (0x80 | c & 0x3F);
    }
    return at;
  }

  private void ensure(int capacity) {
    if (scratch.length < capacity) {
      scratch = Arrays.copyOf(scratch, Math.max(capacity, scratch.length * 2));
    }
  }
}

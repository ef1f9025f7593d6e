package io.lambdaflow.jdbc;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Spark's internal rows in PostgreSQL's binary COPY format, in the column types {@link PgTypes#ddl}
 * gives: no text to parse on the server, no escaping, and nothing converted to Java objects on the
 * way (strings are copied as the UTF-8 bytes Spark holds, timestamps as the microseconds it holds).
 * A header, one tuple per row (a field count, then each field as its length and bytes, -1 for
 * null), a trailer.
 */
final class PgBinaryCopy implements AutoCloseable {
  private static final byte[] SIGNATURE = {
    'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0
  };

  /** 2000-01-01, PostgreSQL's epoch, in days and microseconds since 1970-01-01. */
  private static final int PG_EPOCH_DAYS = 10_957;

  private static final long PG_EPOCH_MICROS = PG_EPOCH_DAYS * 86_400_000_000L;

  private static final BigInteger TEN_THOUSAND = BigInteger.valueOf(10_000);

  /** Writes the non-null field {@code i} of a row. */
  @FunctionalInterface
  private interface Field {
    void write(DataOutputStream out, InternalRow row, int i) throws IOException;
  }

  private final DataOutputStream out;
  private final Field[] writers;
  private final short fields;
  private final boolean framed;

  /** Rows of {@code schema}, each followed by its partition (int), task (bigint) and place. */
  PgBinaryCopy(OutputStream stream, StructType schema) throws IOException {
    this(stream, schema, true);
  }

  /**
   * @param framed a whole COPY into a staging table (header, rows each followed by its partition,
   *     task and place, trailer), or tuples of the dataset's columns only (a part of a COPY another
   *     stream frames: {@link #header}, {@link #trailer})
   */
  private PgBinaryCopy(OutputStream stream, StructType schema, boolean framed) throws IOException {
    this.out = new DataOutputStream(new Buffer(stream, 1 << 16));
    this.writers = new Field[schema.fields().length];
    for (int i = 0; i < writers.length; i++) {
      writers[i] = writer(schema.fields()[i].dataType());
    }
    this.fields = (short) (writers.length + (framed ? 3 : 0));
    this.framed = framed;
    if (framed) {
      out.write(header());
    }
  }

  /** The dataset's columns only, as tuples without the COPY's header and trailer. */
  static PgBinaryCopy tuples(OutputStream stream, StructType schema) throws IOException {
    return new PgBinaryCopy(stream, schema, false);
  }

  /** The header of a binary COPY: signature, flags, no extension. */
  static byte[] header() {
    byte[] header = new byte[SIGNATURE.length + 8];
    System.arraycopy(SIGNATURE, 0, header, 0, SIGNATURE.length);
    return header; // flags and header extension length: 0
  }

  /** The trailer of a binary COPY. */
  static byte[] trailer() {
    return new byte[] {(byte) 0xff, (byte) 0xff};
  }

  /** Writes one row's columns. */
  void write(InternalRow row) throws IOException {
    out.writeShort(fields);
    for (int i = 0; i < writers.length; i++) {
      if (row.isNullAt(i)) {
        out.writeInt(-1);
      } else {
        writers[i].write(out, row, i);
      }
    }
  }

  /** Writes one row, then where it came from: the partition, the task and its place in it. */
  void write(InternalRow row, int part, long task, long seq) throws IOException {
    write(row);
    out.writeInt(4);
    out.writeInt(part);
    out.writeInt(8);
    out.writeLong(task);
    out.writeInt(8);
    out.writeLong(seq);
  }

  private static Field writer(DataType type) {
    if (type instanceof BooleanType) {
      return (out, row, i) -> {
        out.writeInt(1);
        out.writeByte(row.getBoolean(i) ? 1 : 0);
      };
    } else if (type instanceof ByteType) {
      return (out, row, i) -> {
        out.writeInt(2);
        out.writeShort(row.getByte(i));
      };
    } else if (type instanceof ShortType) {
      return (out, row, i) -> {
        out.writeInt(2);
        out.writeShort(row.getShort(i));
      };
    } else if (type instanceof IntegerType) {
      return (out, row, i) -> {
        out.writeInt(4);
        out.writeInt(row.getInt(i));
      };
    } else if (type instanceof LongType) {
      return (out, row, i) -> {
        out.writeInt(8);
        out.writeLong(row.getLong(i));
      };
    } else if (type instanceof FloatType) {
      return (out, row, i) -> {
        out.writeInt(4);
        out.writeFloat(row.getFloat(i));
      };
    } else if (type instanceof DoubleType) {
      return (out, row, i) -> {
        out.writeInt(8);
        out.writeDouble(row.getDouble(i));
      };
    } else if (type instanceof DecimalType decimal) {
      int precision = decimal.precision();
      int scale = decimal.scale();
      return (out, row, i) -> numeric(out, row.getDecimal(i, precision, scale));
    } else if (type instanceof StringType) {
      return (out, row, i) -> {
        var text = row.getUTF8String(i);
        out.writeInt(text.numBytes());
        text.writeTo(out);
      };
    } else if (type instanceof BinaryType) {
      return (out, row, i) -> {
        byte[] bytes = row.getBinary(i);
        out.writeInt(bytes.length);
        out.write(bytes);
      };
    } else if (type instanceof DateType) {
      return (out, row, i) -> {
        out.writeInt(4);
        out.writeInt(row.getInt(i) - PG_EPOCH_DAYS);
      };
    } else if (type instanceof TimestampType || type instanceof TimestampNTZType) {
      // Both hold microseconds since 1970-01-01: UTC for one, the wall clock for the other.
      return (out, row, i) -> {
        out.writeInt(8);
        out.writeLong(row.getLong(i) - PG_EPOCH_MICROS);
      };
    }
    throw new IllegalStateException("no binary encoding for " + type.simpleString());
  }

  /** Unscaled values below this in magnitude fit in a long padded by three digits. */
  private static final long PADDED_FITS = 1_000_000_000_000_000L; // 10^15

  /** The unscaled value as a long, or {@link Long#MIN_VALUE} when it does not fit in one. */
  private static long compactUnscaled(Decimal value) {
    if (value.precision() <= 18) {
      return value.toUnscaledLong(); // held as a long
    }
    // Held as a BigDecimal, whose unscaled value Decimal.toUnscaledLong would truncate.
    BigInteger unscaled = value.toJavaBigDecimal().unscaledValue();
    return unscaled.bitLength() < 63 ? unscaled.longValue() : Long.MIN_VALUE;
  }

  /**
   * PostgreSQL's numeric: base-10000 digits (most significant first) with the weight of the first,
   * a sign and the display scale. The unscaled value is padded to a whole number of fractional
   * base-10000 digits, then cut into digits from the right.
   */
  static void numeric(DataOutputStream out, Decimal value) throws IOException {
    int scale;
    boolean negative;
    short[] digits;
    int count = 0;
    long unscaled = compactUnscaled(value);
    if (value.scale() >= 0 && unscaled > -PADDED_FITS && unscaled < PADDED_FITS) {
      // The unscaled value, padded by up to three digits, fits in a long, whatever the type's
      // precision: no BigInteger arithmetic per digit.
      scale = value.scale();
      negative = unscaled < 0;
      long rest = Math.abs(unscaled);
      for (int p = 0; p < (4 - scale % 4) % 4; p++) {
        rest *= 10;
      }
      digits = new short[6];
      while (rest != 0) {
        digits[count++] = (short) (rest % 10_000);
        rest /= 10_000;
      }
    } else {
      BigDecimal big = value.toJavaBigDecimal();
      if (big.scale() < 0) {
        big = big.setScale(0);
      }
      scale = big.scale();
      negative = big.signum() < 0;
      BigInteger rest = big.unscaledValue().abs().multiply(BigInteger.TEN.pow((4 - scale % 4) % 4));
      digits = new short[big.precision() / 4 + 3];
      while (rest.signum() != 0) {
        BigInteger[] parts = rest.divideAndRemainder(TEN_THOUSAND);
        digits[count++] = parts[1].shortValue();
        rest = parts[0];
      }
    }
    // digits[0..count) is least significant first; the weight is that of the most significant.
    int weight = count - (scale + 3) / 4 - 1;
    int low = 0;
    while (low < count && digits[low] == 0) {
      low++; // trailing zero digits are implied by the scale
    }
    if (low == count) {
      weight = 0;
    }
    out.writeInt(8 + 2 * (count - low));
    out.writeShort(count - low);
    out.writeShort(weight);
    out.writeShort(negative ? 0x4000 : 0);
    out.writeShort(scale);
    for (int d = count - 1; d >= low; d--) {
      out.writeShort(digits[d]);
    }
  }

  /**
   * A {@code BufferedOutputStream} without its lock: {@code DataOutputStream} writes an int as four
   * single bytes, and a lock taken per byte was most of the encoding's time.
   */
  private static final class Buffer extends OutputStream {
    private final OutputStream out;
    private final byte[] buffer;
    private int used;

    Buffer(OutputStream out, int size) {
      this.out = out;
      this.buffer = new byte[size];
    }

    @Override
    public void write(int b) throws IOException {
      if (used == buffer.length) {
        drain();
      }
      buffer[used++] = (byte) b;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      if (length > buffer.length - used) {
        drain();
        if (length > buffer.length) {
          out.write(bytes, offset, length);
          return;
        }
      }
      System.arraycopy(bytes, offset, buffer, used, length);
      used += length;
    }

    @Override
    public void flush() throws IOException {
      drain();
      out.flush();
    }

    private void drain() throws IOException {
      if (used > 0) {
        out.write(buffer, 0, used);
        used = 0;
      }
    }
  }

  /** Writes the trailer (when framed) and flushes; the caller closes the stream. */
  @Override
  public void close() throws IOException {
    if (framed) {
      out.write(trailer());
    }
    out.flush();
  }
}

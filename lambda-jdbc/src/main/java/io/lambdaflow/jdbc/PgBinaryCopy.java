package io.lambdaflow.jdbc;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Rows in PostgreSQL's binary COPY format, in the column types {@link PgTypes#ddl} gives: no text
 * to parse on the server, no escaping. A header, one tuple per row (a field count, then each field
 * as its length and bytes, -1 for null), a trailer.
 */
final class PgBinaryCopy implements AutoCloseable {
  private static final byte[] SIGNATURE = {
    'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0
  };

  /** 2000-01-01, PostgreSQL's epoch, in days and microseconds since 1970-01-01. */
  private static final long PG_EPOCH_DAYS = 10_957;

  private static final long PG_EPOCH_MICROS = PG_EPOCH_DAYS * 86_400_000_000L;

  private final DataOutputStream out;
  private final String[] families;
  private final short fields;

  /** Rows of {@code schema}, each followed by its batch (text), partition (int) and sequence. */
  PgBinaryCopy(OutputStream stream, StructType schema) throws IOException {
    this.out = new DataOutputStream(new BufferedOutputStream(stream, 1 << 16));
    this.families = new String[schema.fields().length];
    for (int i = 0; i < families.length; i++) {
      families[i] = PgTypes.family(schema.fields()[i].dataType());
    }
    this.fields = (short) (families.length + 3);
    out.write(SIGNATURE);
    out.writeInt(0); // flags
    out.writeInt(0); // header extension length
  }

  /** Writes one row, then where it came from: the batch, the partition and its place in it. */
  void write(Row row, byte[] batch, int part, long seq) throws IOException {
    out.writeShort(fields);
    for (int i = 0; i < families.length; i++) {
      if (row.isNullAt(i)) {
        out.writeInt(-1);
      } else {
        field(families[i], row.get(i));
      }
    }
    bytes(batch);
    out.writeInt(4);
    out.writeInt(part);
    out.writeInt(8);
    out.writeLong(seq);
  }

  private void field(String family, Object value) throws IOException {
    switch (family) {
      case "boolean" -> {
        out.writeInt(1);
        out.writeByte((Boolean) value ? 1 : 0);
      }
      case "smallint" -> {
        out.writeInt(2);
        out.writeShort(((Number) value).shortValue());
      }
      case "integer" -> {
        out.writeInt(4);
        out.writeInt((Integer) value);
      }
      case "bigint" -> {
        out.writeInt(8);
        out.writeLong((Long) value);
      }
      case "real" -> {
        out.writeInt(4);
        out.writeFloat((Float) value);
      }
      case "double" -> {
        out.writeInt(8);
        out.writeDouble((Double) value);
      }
      case "numeric" -> numeric((BigDecimal) value);
      case "text" -> bytes(((String) value).getBytes(StandardCharsets.UTF_8));
      case "bytea" -> bytes((byte[]) value);
      case "date" -> {
        out.writeInt(4);
        out.writeInt((int) (localDate(value).toEpochDay() - PG_EPOCH_DAYS));
      }
      case "timestamptz", "timestamp" -> {
        out.writeInt(8);
        out.writeLong(micros(value) - PG_EPOCH_MICROS);
      }
      default -> throw new IllegalStateException("no binary encoding for " + family);
    }
  }

  private void bytes(byte[] bytes) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  /**
   * PostgreSQL's numeric: base-10000 digits with the weight of the first, a sign and the display
   * scale.
   */
  private void numeric(BigDecimal value) throws IOException {
    BigDecimal abs = value.abs();
    if (abs.scale() < 0) {
      abs = abs.setScale(0);
    }
    int scale = abs.scale();
    String plain = abs.toPlainString();
    int dot = plain.indexOf('.');
    String whole = dot < 0 ? plain : plain.substring(0, dot);
    String fraction = dot < 0 ? "" : plain.substring(dot + 1);
    whole = whole.replaceFirst("^0+", "");
    whole = "0".repeat((4 - whole.length() % 4) % 4) + whole;
    fraction = fraction + "0".repeat((4 - fraction.length() % 4) % 4);
    List<Short> digits = new ArrayList<>();
    for (int i = 0; i < whole.length(); i += 4) {
      digits.add(Short.parseShort(whole.substring(i, i + 4)));
    }
    int weight = digits.size() - 1;
    for (int i = 0; i < fraction.length(); i += 4) {
      digits.add(Short.parseShort(fraction.substring(i, i + 4)));
    }
    while (!digits.isEmpty() && digits.get(0) == 0) {
      digits.remove(0);
      weight--;
    }
    while (!digits.isEmpty() && digits.get(digits.size() - 1) == 0) {
      digits.remove(digits.size() - 1);
    }
    if (digits.isEmpty()) {
      weight = 0;
    }
    out.writeInt(8 + 2 * digits.size());
    out.writeShort(digits.size());
    out.writeShort(weight);
    out.writeShort(value.signum() < 0 ? 0x4000 : 0);
    out.writeShort(scale);
    for (short digit : digits) {
      out.writeShort(digit);
    }
  }

  private static LocalDate localDate(Object value) {
    return value instanceof Date date ? date.toLocalDate() : (LocalDate) value;
  }

  private static long micros(Object value) {
    Instant instant;
    if (value instanceof Timestamp timestamp) {
      instant = timestamp.toInstant();
    } else if (value instanceof LocalDateTime local) {
      instant = local.toInstant(ZoneOffset.UTC);
    } else {
      instant = (Instant) value;
    }
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
  }

  /** Writes the trailer and flushes; the caller closes the stream. */
  @Override
  public void close() throws IOException {
    out.writeShort(-1);
    out.flush();
  }
}

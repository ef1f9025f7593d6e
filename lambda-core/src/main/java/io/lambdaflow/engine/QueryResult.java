package io.lambdaflow.engine;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * An answer: column names and rows of plain values (Long, Double, BigDecimal, String, Boolean,
 * ISO-8601 text for dates and instants), the same whichever engine produced it.
 *
 * @param columns the column names
 * @param rows the rows, each a list of values in column order
 * @param truncated whether more rows existed than the limit allowed
 */
public record QueryResult(List<String> columns, List<List<Object>> rows, boolean truncated) {
  public QueryResult {
    columns = List.copyOf(columns);
    rows = List.copyOf(rows);
  }

  /** One engine value in the engine-neutral form, for engines building answers. */
  public static Object normalize(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof Byte || value instanceof Short || value instanceof Integer) {
      return ((Number) value).longValue();
    }
    if (value instanceof Float f) {
      return f.doubleValue();
    }
    if (value instanceof BigInteger big) {
      return big.bitLength() < 64 ? (Object) big.longValue() : new BigDecimal(big);
    }
    if (value instanceof BigDecimal decimal) {
      return decimal.scale() <= 0 && decimal.precision() - decimal.scale() < 19
          ? (Object) decimal.longValueExact()
          : decimal;
    }
    if (value instanceof Timestamp ts) {
      return ts.toInstant().toString();
    }
    if (value instanceof Instant instant) {
      return instant.toString();
    }
    if (value instanceof OffsetDateTime odt) {
      return odt.toInstant().toString();
    }
    if (value instanceof ZonedDateTime zdt) {
      return zdt.toInstant().toString();
    }
    if (value instanceof LocalDateTime ldt) {
      return ldt.toInstant(ZoneOffset.UTC).toString();
    }
    if (value instanceof java.sql.Date date) {
      return date.toLocalDate().toString();
    }
    if (value instanceof LocalDate date) {
      return date.toString();
    }
    if (value instanceof byte[] bytes) {
      return Base64.getEncoder().encodeToString(bytes);
    }
    if (value instanceof Long
        || value instanceof Double
        || value instanceof Boolean
        || value instanceof String) {
      return value;
    }
    return value.toString();
  }

  public static List<Object> normalizeRow(List<Object> values) {
    List<Object> row = new ArrayList<>(values.size());
    values.forEach(v -> row.add(normalize(v)));
    return row;
  }
}

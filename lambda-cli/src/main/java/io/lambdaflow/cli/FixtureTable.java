package io.lambdaflow.cli;

import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;
import io.lambdaflow.engine.QueryResult;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One output of a {@code lambda test} run, or its expected file: column names and rows as CSV
 * lines, sorted (outputs are sets of rows; Spark promises no order). Values are written as the
 * serving layer answers them: numbers, ISO-8601 instants and dates, text; an empty field is null,
 * {@code ""} the empty string.
 *
 * @param columns the column names, in the output's order
 * @param rows each row as one CSV line, sorted
 */
record FixtureTable(List<String> columns, List<String> rows) {
  FixtureTable {
    columns = List.copyOf(columns);
    List<String> sorted = new ArrayList<>(rows);
    sorted.sort(null);
    rows = List.copyOf(sorted);
  }

  /** A table of engine-neutral values ({@link QueryResult#normalize}). */
  static FixtureTable of(List<String> columns, List<List<Object>> rows) {
    List<String> lines = new ArrayList<>();
    for (List<Object> row : rows) {
      lines.add(line(QueryResult.normalizeRow(row)));
    }
    return new FixtureTable(columns, lines);
  }

  /** Reads an expected file: a header line, then one CSV record per row. */
  static FixtureTable read(Path file) throws IOException {
    CsvParserSettings settings = new CsvParserSettings();
    settings.setNullValue(null);
    settings.setEmptyValue("");
    settings.setLineSeparatorDetectionEnabled(true);
    settings.setMaxCharsPerColumn(-1);
    settings.setSkipEmptyLines(true);
    settings.setIgnoreLeadingWhitespaces(false);
    settings.setIgnoreTrailingWhitespaces(false);
    settings.trimValues(false);
    List<String[]> records;
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      records = new CsvParser(settings).parseAll(reader);
    }
    if (records.isEmpty()) {
      return new FixtureTable(List.of(), List.of());
    }
    List<String> rows = new ArrayList<>();
    for (String[] record : records.subList(1, records.size())) {
      rows.add(line(Arrays.asList((Object[]) record)));
    }
    return new FixtureTable(Arrays.asList(records.get(0)), rows);
  }

  /** Writes the table as an expected file, header first. */
  void write(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    List<String> lines = new ArrayList<>();
    lines.add(line(new ArrayList<>(columns)));
    lines.addAll(rows);
    Files.write(file, lines, StandardCharsets.UTF_8);
  }

  /**
   * What differs from {@code expected}: the column line, then each missing row ("- ") and each row
   * not expected ("+ "), as many times as it is missing or extra; empty when both are equal.
   */
  List<String> diff(FixtureTable expected) {
    List<String> lines = new ArrayList<>();
    if (!columns.equals(expected.columns)) {
      lines.add("- columns " + line(new ArrayList<>(expected.columns)));
      lines.add("+ columns " + line(new ArrayList<>(columns)));
    }
    Map<String, Integer> surplus = new HashMap<>();
    rows.forEach(r -> surplus.merge(r, 1, Integer::sum));
    expected.rows.forEach(r -> surplus.merge(r, -1, Integer::sum));
    for (String row : expected.rows) {
      if (surplus.getOrDefault(row, 0) < 0) {
        lines.add("- " + row);
        surplus.merge(row, 1, Integer::sum);
      }
    }
    for (String row : rows) {
      if (surplus.getOrDefault(row, 0) > 0) {
        lines.add("+ " + row);
        surplus.merge(row, -1, Integer::sum);
      }
    }
    return lines;
  }

  /** Values as one CSV record: null empty, text quoted when it must be (or is empty). */
  static String line(List<Object> values) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < values.size(); i++) {
      line.append(i == 0 ? "" : ",").append(field(values.get(i)));
    }
    return line.toString();
  }

  private static String field(Object value) {
    if (value == null) {
      return "";
    }
    String text = String.valueOf(value);
    boolean quote =
        text.isEmpty()
            || text.strip().length() != text.length()
            || text.chars().anyMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r');
    return quote ? '"' + text.replace("\"", "\"\"") + '"' : text;
  }
}

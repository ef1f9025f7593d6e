package io.lambdaflow.plugins.files;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.to_timestamp;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;
import io.lambdaflow.spi.DeadLetters;
import io.lambdaflow.spi.MetadataColumns;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampType;

/**
 * CSV lines read strictly by a declared schema: with a header, each line by its own file's column
 * names (any order, extra columns ignored, a declared column the file lacks is null, a byte-order
 * mark skipped), as GTFS feeds differ; without one, by position. A line with another number of
 * fields than its header, or a value that is not of its column's type, is a dead letter naming the
 * column; an empty field is null. Spark's own CSV reader would map columns by position and turn a
 * bad value into a null without a word.
 */
final class CsvLines {
  private static final String FIELDS = MetadataColumns.PREFIX + "csv_fields";
  private static final String REASON = MetadataColumns.PREFIX + "csv_reason";

  private CsvLines() {}

  /**
   * Parses {@code lines} ({@link LineOffsets#VALUE}, and {@link LineOffsets#HEADER} when {@code
   * header}) into {@code schema}'s columns, then {@code keep} (partition columns), then metadata.
   */
  static Dataset<Row> parse(
      Dataset<Row> lines,
      StructType schema,
      boolean header,
      String delimiter,
      Map<String, String> options,
      List<String> keep,
      Consumer<Dataset<Row>> deadLetters) {
    StructType declaredSchema = schema;
    schema =
        new StructType(
            Arrays.stream(declaredSchema.fields())
                .filter(f -> !keep.contains(f.name())) // a partition column comes from its folder
                .toArray(StructField[]::new));
    Splitter splitter =
        new Splitter(
            schema.fieldNames(),
            delimiter,
            options.getOrDefault("quote", "\""),
            options.getOrDefault("escape", options.getOrDefault("quote", "\"")));
    UserDefinedFunction fields =
        udf(
                splitter,
                new StructType()
                    .add("values", DataTypes.createArrayType(DataTypes.StringType, true))
                    .add("problem", DataTypes.StringType))
            .withName("lambda_csv_fields");
    Column headerColumn = header ? col(LineOffsets.HEADER) : lit(null).cast("string");
    Dataset<Row> split =
        lines
            .where(org.apache.spark.sql.functions.trim(col(LineOffsets.VALUE)).notEqual(""))
            .withColumn(FIELDS, fields.apply(headerColumn, col(LineOffsets.VALUE)));
    Column reason = col(FIELDS + ".problem");
    List<Column> typed = new ArrayList<>();
    StructField[] declared = schema.fields();
    for (int i = 0; i < declared.length; i++) {
      Column raw = col(FIELDS + ".values").getItem(i);
      Column value = convert(raw, declared[i], options);
      typed.add(value.alias(declared[i].name()));
      reason =
          when(reason.isNotNull(), reason)
              .when(
                  raw.isNotNull().and(value.isNull()),
                  org.apache.spark.sql.functions.concat(
                      lit("CSV column '" + declared[i].name() + "': '"),
                      raw,
                      lit("' is not a valid " + declared[i].dataType().sql())));
      if (!declared[i].nullable()) {
        reason =
            when(reason.isNotNull(), reason)
                .when(
                    raw.isNull(),
                    lit("CSV column '" + declared[i].name() + "' is empty or missing"));
      }
    }
    List<Column> withReason = new ArrayList<>();
    Arrays.stream(split.columns()).map(c -> col("`" + c + "`")).forEach(withReason::add);
    for (int i = 0; i < declared.length; i++) {
      withReason.add(typed.get(i).alias(MetadataColumns.PREFIX + "csv_" + i));
    }
    withReason.add(reason.alias(REASON));
    Dataset<Row> checked = split.select(withReason.toArray(Column[]::new));

    List<Column> rejected = new ArrayList<>();
    rejected.add(col(REASON).alias(DeadLetters.REASON));
    rejected.add(col(LineOffsets.VALUE).alias(DeadLetters.RAW));
    if (Arrays.asList(lines.columns()).contains(MetadataColumns.POSITION)) {
      rejected.add(col(MetadataColumns.POSITION));
    }
    deadLetters.accept(
        checked.where(col(REASON).isNotNull()).select(rejected.toArray(Column[]::new)));

    List<Column> output = new ArrayList<>();
    List<String> parsed = Arrays.asList(schema.fieldNames());
    for (StructField field : declaredSchema.fields()) {
      int i = parsed.indexOf(field.name());
      output.add(
          i < 0
              ? col("`" + field.name() + "`")
              : col(MetadataColumns.PREFIX + "csv_" + i).alias(field.name()));
    }
    keep.stream()
        .filter(k -> !Arrays.asList(declaredSchema.fieldNames()).contains(k))
        .forEach(k -> output.add(col("`" + k + "`")));
    Arrays.stream(lines.columns())
        .filter(c -> MetadataColumns.isMetadata(c) && !c.equals(LineOffsets.HEADER))
        .forEach(c -> output.add(col(c)));
    return checked.where(col(REASON).isNull()).select(output.toArray(Column[]::new));
  }

  /** A field's text as its column's type; null where it does not convert. */
  private static Column convert(Column raw, StructField field, Map<String, String> options) {
    if (field.dataType() instanceof StringType) {
      return raw;
    }
    if (field.dataType() instanceof DateType && options.containsKey("dateFormat")) {
      return to_date(raw, options.get("dateFormat"));
    }
    if (field.dataType() instanceof TimestampType && options.containsKey("timestampFormat")) {
      return to_timestamp(raw, options.get("timestampFormat"));
    }
    return raw.cast(field.dataType()); // null where the text is no such value
  }

  /**
   * Splits a line into the declared columns' texts by its header (or by position without one):
   * {@code (values, null)}, or {@code (null, problem)}.
   */
  static final class Splitter implements UDF2<String, String, Row>, Serializable {
    private static final long serialVersionUID = 1L;
    private final String[] declared;
    private final String delimiter;
    private final char quote;
    private final char escape;
    private transient CsvParser parser;
    private transient String lastHeader;
    private transient int[] lastIndexes;
    private transient int lastWidth;
    private transient String headerProblem;

    Splitter(String[] declared, String delimiter, String quote, String escape) {
      this.declared = declared;
      this.delimiter = delimiter;
      this.quote = quote.isEmpty() ? '\0' : quote.charAt(0);
      this.escape = escape.isEmpty() ? '\0' : escape.charAt(0);
    }

    @Override
    public Row call(String header, String line) {
      if (parser == null) {
        CsvParserSettings settings = new CsvParserSettings();
        settings.getFormat().setDelimiter(delimiter);
        settings.getFormat().setQuote(quote);
        settings.getFormat().setQuoteEscape(escape);
        settings.setLineSeparatorDetectionEnabled(false);
        settings.setIgnoreLeadingWhitespaces(false);
        settings.setIgnoreTrailingWhitespaces(false);
        settings.setMaxCharsPerColumn(-1);
        settings.setMaxColumns(100_000);
        settings.setNullValue(null);
        settings.setEmptyValue("");
        parser = new CsvParser(settings);
      }
      if (header != null && !header.equals(lastHeader)) {
        String[] names = parser.parseLine(header);
        Map<String, Integer> at = new HashMap<>();
        for (int i = 0; names != null && i < names.length; i++) {
          if (names[i] != null) {
            at.putIfAbsent(names[i].strip().replace("\uFEFF", ""), i);
          }
        }
        lastIndexes = new int[declared.length];
        for (int i = 0; i < declared.length; i++) {
          lastIndexes[i] = at.getOrDefault(declared[i], -1);
        }
        lastWidth = names == null ? 0 : names.length;
        lastHeader = header;
        headerProblem = headerProblem(header, lastIndexes);
      }
      if (header != null && headerProblem != null) {
        return RowFactory.create(null, headerProblem);
      }
      if (notText(line)) {
        return RowFactory.create(
            null, "CSV line is not UTF-8 text (it has NUL or undecodable bytes)");
      }
      String[] values = parser.parseLine(line);
      int width = header != null ? lastWidth : declared.length;
      if (values == null || values.length != width) {
        return RowFactory.create(
            null,
            "CSV line has "
                + (values == null ? 0 : values.length)
                + " fields, "
                + (header != null ? "its file's header " : "the schema ")
                + width
                + (header != null
                    ? " (" + header.strip() + ")"
                    : " (" + String.join(", ", declared) + ")"));
      }
      String[] arranged = new String[declared.length];
      for (int i = 0; i < declared.length; i++) {
        int index = header != null ? lastIndexes[i] : i;
        String value = index < 0 ? null : values[index];
        arranged[i] = value == null || value.isEmpty() ? null : value;
      }
      return RowFactory.create(Arrays.asList(arranged), null);
    }

    /**
     * Why no line of a file can be read by its header, or null: a file that is not UTF-8 (a UTF-16
     * one decodes to NULs and replacement characters), or a header naming none of the declared
     * columns; either way each line would otherwise read as a row of nulls.
     */
    private String headerProblem(String header, int[] indexes) {
      if (notText(header)) {
        return "CSV file is not UTF-8 text (its first line has NUL or undecodable bytes: UTF-16?)";
      }
      if (Arrays.stream(indexes).allMatch(i -> i < 0)) {
        return "CSV file's header ("
            + header.strip()
            + ") has none of the declared columns ("
            + String.join(", ", declared)
            + ")";
      }
      return null;
    }

    private static boolean notText(String text) {
      return text.indexOf('\0') >= 0 || text.indexOf('\uFFFD') >= 0;
    }
  }
}

package io.lambdaflow.records;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.base64;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.from_csv;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import io.lambdaflow.spi.DeadLetters;
import io.lambdaflow.spi.MetadataColumns;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.avro.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Turns a column of raw records (JSON or CSV text, Avro bytes) into typed columns by a declared
 * schema, in batch and streaming alike. Every record that does not decode, or lacks a required
 * field, is handed to a dead-letter consumer with its raw value and the reason; none is dropped.
 */
public final class RecordParser {
  private static final String CORRUPT = MetadataColumns.PREFIX + "corrupt";
  private static final String PARSED = MetadataColumns.PREFIX + "parsed";
  private static final String RAW = MetadataColumns.PREFIX + "raw";
  private static final String REASON = MetadataColumns.PREFIX + "reason";
  private static final String SYNTAX = MetadataColumns.PREFIX + "syntax";

  /**
   * Spark JSON options that would let through what strict syntax refuses: always off. Spark's
   * from_json is permissive (single quotes, trailing garbage, NaN, leading zeros): every record's
   * syntax is checked strictly too ({@link DecodeJson}), and a problem is its reason.
   */
  private static final Map<String, String> STRICT_JSON =
      Map.of(
          "allowSingleQuotes", "false",
          "allowNonNumericNumbers", "false",
          "allowNumericLeadingZeros", "false",
          "allowUnquotedFieldNames", "false",
          "allowComments", "false",
          "allowBackslashEscapingAnyCharacter", "false",
          "allowUnquotedControlChars", "false");

  private enum Kind {
    JSON,
    CSV,
    AVRO
  }

  private static final String FRAME = MetadataColumns.PREFIX + "avro_frame";

  private final Kind kind;
  private final StructType schema;
  private final String avroSchema;
  private final SchemaRegistry registry; // avro: null for plain Avro binary
  private final Map<String, String> options;
  private final String delimiter;
  private final List<String> required;

  private RecordParser(
      Kind kind,
      StructType schema,
      String avroSchema,
      SchemaRegistry registry,
      Map<String, String> options,
      String delimiter,
      List<String> required) {
    this.kind = kind;
    this.schema = schema;
    this.avroSchema = avroSchema;
    this.registry = registry;
    this.options = Map.copyOf(options);
    this.delimiter = delimiter;
    this.required = List.copyOf(required);
  }

  /** JSON text, with Spark's JSON options (timestampFormat, allowComments, ...). */
  public static RecordParser json(StructType schema, Map<String, String> options) {
    return new RecordParser(
        Kind.JSON, requireNonNull(schema, "schema is null"), null, null, options, null, List.of());
  }

  /** CSV text with a delimiter, with Spark's CSV options. */
  public static RecordParser csv(StructType schema, String delimiter, Map<String, String> options) {
    Map<String, String> csv = new HashMap<>(options);
    csv.put("sep", delimiter);
    return new RecordParser(
        Kind.CSV, requireNonNull(schema, "schema is null"), null, null, csv, delimiter, List.of());
  }

  /** Avro binary (no container header) written with {@code avroSchema}, a JSON Avro schema. */
  public static RecordParser avro(String avroSchema) {
    return avro(avroSchema, null);
  }

  /**
   * Avro values read as {@code readerSchema} (a JSON Avro record schema): with {@code registry}, in
   * the Confluent wire format, each written with the schema its id names (resolved to the reader
   * schema); without, plain Avro binary written with the reader schema. See {@link AvroFrames}.
   */
  public static RecordParser avro(String readerSchema, SchemaRegistry registry) {
    DataType type = functions.from_avro(lit(null).cast("binary"), readerSchema).expr().dataType();
    if (!(type instanceof StructType struct)) {
      throw new IllegalArgumentException(
          "the Avro schema must be a record, not " + type.simpleString());
    }
    return new RecordParser(
        Kind.AVRO, struct, readerSchema, registry, Map.of("mode", "PERMISSIVE"), null, List.of());
  }

  /** The same parser, also rejecting records where any of {@code fields} is missing or null. */
  public RecordParser requiring(List<String> fields) {
    List<String> names = Arrays.asList(schema.fieldNames());
    for (String field : fields) {
      if (!names.contains(field)) {
        throw new IllegalArgumentException("'" + field + "' is not a field of the schema " + names);
      }
    }
    return new RecordParser(kind, schema, avroSchema, registry, options, delimiter, fields);
  }

  /** The fields parsing produces. */
  public StructType schema() {
    return schema;
  }

  /**
   * Parses {@code raw} of {@code input}.
   *
   * @param keep input columns to carry beside the parsed fields (metadata columns always are)
   * @param deadLetters receives the rejected records, with reason, raw and position
   * @param reuse marks the intermediate dataset both outputs derive from
   * @return the parsed records: kept columns, then the schema's fields, then metadata
   */
  public Dataset<Row> parse(
      Dataset<Row> input,
      Column raw,
      List<String> keep,
      Consumer<Dataset<Row>> deadLetters,
      UnaryOperator<Dataset<Row>> reuse) {
    List<Column> carried = new ArrayList<>();
    keep.forEach(k -> carried.add(named(k)));
    Arrays.stream(input.columns())
        .filter(MetadataColumns::isMetadata)
        .map(c -> col(c))
        .forEach(carried::add);

    Column rawValue = kind == Kind.AVRO ? raw.cast("binary") : raw.cast("string");
    List<Column> marked = new ArrayList<>(carried);
    marked.add(rawValue.alias(RAW));
    if (kind == Kind.AVRO) {
      marked.add(
          udf(new AvroFrames(avroSchema, registry), AvroFrames.TYPE)
              .withName("lambda_avro_frame")
              .apply(rawValue)
              .alias(FRAME));
    } else {
      marked.add(decode(rawValue).alias(PARSED));
    }
    Dataset<Row> parsed = input.select(marked.toArray(Column[]::new));
    if (kind == Kind.AVRO) { // decoded from what the strict check passed, once per record
      parsed = parsed.withColumn(PARSED, decode(col(FRAME + ".record")));
    }
    parsed = parsed.withColumn(REASON, rejection());
    parsed = reuse.apply(parsed);

    List<Column> rejected = new ArrayList<>();
    rejected.add(col(REASON).alias(DeadLetters.REASON));
    rejected.add((kind == Kind.AVRO ? base64(col(RAW)) : col(RAW)).alias(DeadLetters.RAW));
    if (Arrays.asList(input.columns()).contains(MetadataColumns.POSITION)) {
      rejected.add(col(MetadataColumns.POSITION));
    }
    deadLetters.accept(
        parsed.filter(col(REASON).isNotNull()).select(rejected.toArray(Column[]::new)));

    List<Column> output = new ArrayList<>();
    keep.forEach(k -> output.add(named(k)));
    for (String field : schema.fieldNames()) {
      output.add(col(PARSED + ".`" + field + "`").alias(field));
    }
    Arrays.stream(input.columns())
        .filter(MetadataColumns::isMetadata)
        .map(c -> col(c))
        .forEach(output::add);
    return parsed.filter(col(REASON).isNull()).select(output.toArray(Column[]::new));
  }

  private Column decode(Column raw) {
    Map<String, String> parserOptions = new HashMap<>(options);
    if (kind == Kind.AVRO) {
      return functions.from_avro(raw, avroSchema, parserOptions);
    }
    parserOptions.put("mode", "PERMISSIVE");
    parserOptions.put("columnNameOfCorruptRecord", CORRUPT);
    if (kind == Kind.JSON) {
      parserOptions.putAll(STRICT_JSON);
    }
    if (kind == Kind.JSON) { // one pass: strict syntax, then the fields
      return DecodeJson.decode(raw, schema, parserOptions, CORRUPT, SYNTAX);
    }
    StructType withCorrupt =
        schema.add(new StructField(CORRUPT, DataTypes.StringType, true, Metadata.empty()));
    return from_csv(raw, lit(withCorrupt.toDDL()), parserOptions);
  }

  private Column rejection() {
    Column raw = col(RAW);
    Column rejection = when(raw.isNull(), lit("value is null"));
    String ddl = schema.toDDL();
    switch (kind) {
      case JSON -> {
        // A record decoded whole with its required fields is good: said first, so that the checks
        // below (trim copies the record) run only for the few that are not.
        Column good = col(PARSED + "." + SYNTAX).isNull().and(col(PARSED + "." + CORRUPT).isNull());
        for (String field : required) {
          good = good.and(col(PARSED + ".`" + field + "`").isNotNull());
        }
        rejection =
            rejection
                .when(good, lit(null).cast("string"))
                .when(trim(raw).equalTo(""), lit("empty record"))
                .when(
                    col(PARSED + "." + SYNTAX).isNotNull(),
                    concat_ws("", lit("malformed JSON: "), col(PARSED + "." + SYNTAX)))
                .when(
                    col(PARSED + "." + CORRUPT).isNotNull(),
                    lit("JSON does not match the schema " + ddl));
      }
      case CSV -> {
        int expected = schema.fields().length;
        Column fields = size(split(raw, Pattern.quote(delimiter)));
        rejection =
            rejection
                .when(trim(raw).equalTo(""), lit("empty record"))
                .when(
                    col(PARSED + "." + CORRUPT).isNotNull(),
                    when(
                            fields.notEqual(lit(expected)),
                            concat_ws(
                                "",
                                lit("CSV record has "),
                                fields.cast("string"),
                                lit(" fields, expected " + expected + " (" + ddl + ")")))
                        .otherwise(lit("CSV value does not match its type in " + ddl)));
      }
      case AVRO ->
          rejection =
              rejection
                  .when(col(FRAME + ".problem").isNotNull(), col(FRAME + ".problem"))
                  .when(col(PARSED).isNull(), lit("not valid Avro for the schema " + ddl));
    }
    for (String field : required) {
      rejection =
          rejection.when(
              col(PARSED + ".`" + field + "`").isNull(),
              lit("required field '" + field + "' is missing or null"));
    }
    return rejection;
  }

  private static Column named(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }
}

package io.lambdaflow.plugins.files;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.trim;

import io.lambdaflow.records.RecordParser;
import io.lambdaflow.spi.Horizon;
import io.lambdaflow.spi.InvalidOptionException;
import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.spi.ReadContext;
import io.lambdaflow.spi.SupportsHorizon;
import io.lambdaflow.spi.SupportsStreamRead;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Files read by Spark's built-in data sources. JSON lines are read as text lines and parsed
 * strictly ({@link RecordParser}): Spark's own JSON reader turns a line it cannot parse into a row
 * of nulls, or parses the first value of a line with trailing garbage. A record read by line (JSON
 * lines, text) has the position {@code file@offset}, the byte offset of its line; any other
 * record's position is its file.
 */
final class FileSource implements SupportsHorizon, SupportsStreamRead {
  /** Options that change which files a read lists; the horizon lists with the same ones. */
  private static final java.util.Set<String> LISTING_OPTIONS =
      java.util.Set.of("recursiveFileLookup", "pathGlobFilter", "modifiedBefore", "modifiedAfter");

  private final String path;
  private final String format;
  private final StructType schema;
  private final boolean header;
  private final String delimiter;
  private final Map<String, String> options;
  private final boolean optional;

  FileSource(
      String path,
      String format,
      StructType schema,
      boolean header,
      String delimiter,
      Map<String, String> options,
      boolean optional) {
    this.path = path;
    this.format = format;
    this.schema = schema;
    this.header = header;
    this.delimiter = delimiter;
    this.options = options;
    this.optional = optional;
  }

  /**
   * Whether the path is an optional one that is not there now (nothing matches it); it then reads
   * as no rows of the schema.
   */
  private boolean absent(ReadContext context) {
    if (!optional) {
      return false;
    }
    org.apache.hadoop.fs.Path where = new org.apache.hadoop.fs.Path(path);
    try {
      org.apache.hadoop.fs.FileStatus[] found =
          where
              .getFileSystem(context.spark().sparkContext().hadoopConfiguration())
              .globStatus(where);
      if (found == null || found.length == 0) {
        org.slf4j.LoggerFactory.getLogger(FileSource.class)
            .info(
                "source '{}': optional path {} is not there; no rows", context.sourceName(), path);
        return true;
      }
      return false;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot look for " + path, e);
    }
  }

  /** No rows, in the shape a read of existing files has. */
  private Dataset<Row> none(ReadContext context) {
    if (byLine()) {
      return lines(context.spark().createDataFrame(List.of(), lineSchema()), context);
    }
    return withPosition(
        context.spark().createDataFrame(List.of(), schema != null ? schema : new StructType()));
  }

  @Override
  public Dataset<Row> readBatch(ReadContext context) {
    if (absent(context)) {
      return none(context);
    }
    if (byLine()) {
      return lines(lineReader(context.spark().read()).load(path), context);
    }
    DataFrameReader reader = context.spark().read().format(format).options(formatOptions());
    if (schema != null) {
      reader = reader.schema(schema);
    }
    return withPosition(reader.load(path));
  }

  /** The files are listed once, when read. */
  @Override
  public boolean repeatable() {
    return true;
  }

  @Override
  public Horizon horizon(ReadContext context) {
    if (absent(context)) {
      return new Horizon(Map.of());
    }
    DataFrameReader lister = context.spark().read().format("binaryFile").options(listingOptions());
    Map<String, Long> files = new java.util.TreeMap<>();
    for (String file : lister.load(path).inputFiles()) {
      files.put(file, 1L); // a file is one partition whose only offset is 0
    }
    return new Horizon(files);
  }

  @Override
  public Dataset<Row> readRange(ReadContext context, Horizon from, Horizon to) {
    if (to.ends().isEmpty() && absent(context)) {
      return none(context);
    }
    String[] fresh =
        to.ends().keySet().stream().filter(f -> from.end(f).isEmpty()).toArray(String[]::new);
    if (byLine()) {
      DataFrameReader text = lineReader(context.spark().read());
      return lines(
          fresh.length == 0 ? text.load(path).where(lit(false)) : text.load(fresh), context);
    }
    DataFrameReader reader = context.spark().read().format(format).options(formatOptions());
    if (schema != null) {
      reader = reader.schema(schema);
    }
    Dataset<Row> data =
        fresh.length == 0 ? reader.load(path).where(lit(false)) : reader.load(fresh);
    return withPosition(data);
  }

  @Override
  public Dataset<Row> readStream(ReadContext context) {
    if (byLine()) {
      return lines(
          context
              .spark()
              .readStream()
              .format(LineOffsets.class.getName())
              .schema(lineSchema())
              .options(listingOptions())
              .option(LineOffsets.HEADER_OPTION, String.valueOf(csvLines() && header))
              .load(path),
          context);
    }
    DataStreamReader reader = context.spark().readStream().format(format).options(formatOptions());
    if (schema != null) {
      reader = reader.schema(schema);
    }
    return withPosition(reader.load(path));
  }

  @Override
  public void validateForStreaming() {
    if (schema == null && !format.equals("text")) {
      throw new InvalidOptionException(
          "schema",
          "the speed layer cannot infer the schema of "
              + format
              + " files: set schema = \"col1 TYPE, col2 TYPE\" or remove 'speed' from layers");
    }
  }

  /** JSON with one record per line (not {@code multiLine}): parsed strictly from text. */
  private boolean jsonLines() {
    return format.equals("json") && !"true".equalsIgnoreCase(options.get("multiLine"));
  }

  /** CSV with a declared schema, one record per line: read strictly ({@link CsvLines}). */
  private boolean csvLines() {
    return format.equals("csv")
        && schema != null
        && !"true".equalsIgnoreCase(options.get("multiLine"));
  }

  /**
   * Whether records are lines read with their byte offsets ({@link LineOffsets}): JSON lines, CSV
   * lines, and text unless it is read whole or with another line separator.
   */
  private boolean byLine() {
    return jsonLines()
        || csvLines()
        || (format.equals("text")
            && !options.containsKey("lineSep")
            && !"true".equalsIgnoreCase(options.get("wholetext")));
  }

  private DataFrameReader lineReader(DataFrameReader reader) {
    return reader
        .format(LineOffsets.class.getName())
        .schema(lineSchema())
        .options(listingOptions())
        .option(LineOffsets.HEADER_OPTION, String.valueOf(csvLines() && header));
  }

  private StructType lineSchema() {
    return csvLines() && header ? LineOffsets.SCHEMA_WITH_HEADER : LineOffsets.SCHEMA;
  }

  /**
   * Lines with their offsets: parsed when JSON, as they are when text; each position is {@code
   * file@offset}, the byte offset where the record's line starts.
   */
  private Dataset<Row> lines(Dataset<Row> lines, ReadContext context) {
    Dataset<Row> placed =
        withPosition(
                lines, concat(input_file_name(), lit("@"), col(LineOffsets.OFFSET).cast("string")))
            .drop(LineOffsets.OFFSET);
    if (csvLines()) {
      Map<String, String> csvOptions = new HashMap<>(options);
      LISTING_OPTIONS.forEach(csvOptions::remove);
      List<String> partitions =
          Arrays.stream(placed.columns())
              .filter(c -> !c.equals(LineOffsets.VALUE) && !c.equals(LineOffsets.HEADER))
              .filter(c -> !MetadataColumns.isMetadata(c))
              .toList();
      return CsvLines.parse(
          placed, schema, header, delimiter, csvOptions, partitions, context::deadLetter);
    }
    return jsonLines() ? parsed(placed, context) : placed;
  }

  /** The options that choose files, for reading them as text. */
  private Map<String, String> listingOptions() {
    Map<String, String> listing = new HashMap<>();
    options.forEach(
        (key, value) -> {
          if (LISTING_OPTIONS.contains(key)) {
            listing.put(key, value);
          }
        });
    return listing;
  }

  /**
   * Lines of JSON text parsed by the schema (inferred by Spark when none is declared); blank lines
   * are skipped, as Spark's JSON reader does, and every other line that is not a JSON object of the
   * schema is a dead letter with its file. Partition columns ({@code date=...} folders) come from
   * the folder names, as with Spark's reader, in the same column order.
   */
  private Dataset<Row> parsed(Dataset<Row> lines, ReadContext context) {
    StructType declared =
        schema != null ? schema : context.spark().read().options(options).json(path).schema();
    List<String> partitions =
        Arrays.stream(lines.columns())
            .filter(c -> !c.equals(LineOffsets.VALUE) && !MetadataColumns.isMetadata(c))
            .toList();
    StructType fields =
        new StructType(
            Arrays.stream(declared.fields())
                .filter(f -> !f.name().equals("_corrupt_record"))
                .filter(f -> !partitions.contains(f.name()))
                .toArray(StructField[]::new));
    Map<String, String> parseOptions = new HashMap<>(options);
    LISTING_OPTIONS.forEach(parseOptions::remove);
    Dataset<Row> parsed =
        RecordParser.json(fields, parseOptions)
            .parse(
                lines.where(trim(col("value")).notEqual("")),
                col("value"),
                partitions,
                context::deadLetter,
                context::reuse);
    List<Column> ordered = new ArrayList<>();
    for (StructField field : declared.fields()) {
      if (!field.name().equals("_corrupt_record")) {
        ordered.add(col("`" + field.name() + "`"));
      }
    }
    partitions.stream()
        .filter(p -> !Arrays.asList(declared.fieldNames()).contains(p))
        .forEach(p -> ordered.add(col("`" + p + "`")));
    Arrays.stream(parsed.columns())
        .filter(MetadataColumns::isMetadata)
        .forEach(c -> ordered.add(col(c)));
    return parsed.select(ordered.toArray(Column[]::new));
  }

  private Map<String, String> formatOptions() {
    if (!format.equals("csv")) {
      return options;
    }
    Map<String, String> csv = new java.util.HashMap<>(options);
    csv.putIfAbsent("header", String.valueOf(header));
    csv.putIfAbsent("sep", delimiter);
    return csv;
  }

  private static Dataset<Row> withPosition(Dataset<Row> data) {
    return withPosition(data, input_file_name());
  }

  /** A file is a partition whose only offset is 0; {@code position} says where in it. */
  private static Dataset<Row> withPosition(Dataset<Row> data, Column position) {
    return data.withColumn(MetadataColumns.POSITION, position)
        .withColumn(MetadataColumns.PARTITION, input_file_name())
        .withColumn(MetadataColumns.OFFSET, lit(0L));
  }
}

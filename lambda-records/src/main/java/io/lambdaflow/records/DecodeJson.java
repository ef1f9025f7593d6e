package io.lambdaflow.records;

import java.io.Serializable;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.BoundReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.TimeZoneAwareExpression;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
import scala.collection.IndexedSeq;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * Decodes a JSON text column by a schema into a struct of the schema's fields, then the
 * corrupt-record column of {@code from_json} and the strict syntax problem: in one expression, so a
 * record is read once. Each record is first given to {@link JsonRecordDecoder}; a record it leaves
 * (anything unusual) takes the old path, {@link StrictJson} and then Spark's own {@code from_json}
 * with the same options, so the result is always what that path gives.
 *
 * <p>Set {@value #SWITCH} to {@code spark} in the session to parse with Spark's path alone.
 */
final class DecodeJson extends Expression implements CodegenFallback, Serializable {
  private static final long serialVersionUID = 1L;

  /** A session setting: {@code lambdaflow} (default) or {@code spark}. */
  static final String SWITCH = "spark.lambdaflow.json.decoder";

  /** Options of Spark's JSON reader that do not change how strings, numbers, booleans decode. */
  private static final java.util.Set<String> NEUTRAL =
      java.util.Set.of(
          "mode",
          "columnNameOfCorruptRecord",
          "timestampFormat",
          "timestampNTZFormat",
          "dateFormat",
          "timeZone",
          "enableDateTimeParsingFallback",
          "allowSingleQuotes",
          "allowNonNumericNumbers",
          "allowNumericLeadingZeros",
          "allowUnquotedFieldNames",
          "allowComments",
          "allowBackslashEscapingAnyCharacter",
          "allowUnquotedControlChars");

  private final Expression child;
  private final StructType schema;
  private final HashMap<String, String> options;
  private final String timeZone;
  private final Expression spark; // from_json over the record, bound to column 0
  private final StructType type;
  private final boolean fast;
  private final boolean legacyTimeParser;
  private final Seq<Expression> children;
  private transient JsonRecordDecoder decoder;

  private DecodeJson(
      Expression child,
      StructType schema,
      Map<String, String> options,
      String timeZone,
      String corrupt,
      String syntax,
      boolean enabled,
      boolean legacyTimeParser) {
    this.child = child;
    this.legacyTimeParser = legacyTimeParser;
    this.schema = schema;
    this.options = new HashMap<>(options);
    this.timeZone = timeZone;
    StructType withCorrupt =
        schema.add(new StructField(corrupt, DataTypes.StringType, true, Metadata.empty()));
    this.spark =
        (Expression)
            ((TimeZoneAwareExpression)
                    functions
                        .from_json(
                            new Column(new BoundReference(0, DataTypes.StringType, true)),
                            withCorrupt,
                            options)
                        .expr())
                .withTimeZone(timeZone);
    this.type = withCorrupt.add(syntax, DataTypes.StringType, true).asNullable();
    this.fast =
        enabled
            && NEUTRAL.containsAll(options.keySet())
            && new JsonRecordDecoder(schema, timestampZone()).decodesAny();
    this.children = JavaConverters.asScalaBuffer(List.of(child)).toList();
  }

  /**
   * The struct of {@code schema}'s fields, then {@code corrupt} (the record, when Spark's path
   * finds it does not match the schema) and {@code syntax} (the strict syntax problem).
   */
  static Column decode(
      Column raw, StructType schema, Map<String, String> options, String corrupt, String syntax) {
    SQLConf conf = SQLConf.get();
    boolean enabled = !"spark".equals(conf.getConfString(SWITCH, "lambdaflow"));
    boolean legacy = conf.legacyTimeParserPolicy().toString().equals("LEGACY");
    return new Column(
        new DecodeJson(
            raw.expr(),
            schema,
            options,
            conf.sessionLocalTimeZone(),
            corrupt,
            syntax,
            enabled,
            legacy));
  }

  @Override
  public Object eval(InternalRow row) {
    Object input = child.eval(row);
    if (input == null) {
      return null;
    }
    UTF8String text = (UTF8String) input;
    int n = schema.fields().length;
    Object[] values = new Object[n + 2];
    if (fast) {
      if (decoder == null) {
        decoder = new JsonRecordDecoder(schema, timestampZone());
      }
      Object base = text.getBaseObject();
      boolean decoded;
      if (base instanceof byte[] bytes) {
        int from = (int) (text.getBaseOffset() - Platform.BYTE_ARRAY_OFFSET);
        decoded = decoder.decode(bytes, from, from + text.numBytes(), values);
      } else {
        decoded = decoder.decode(text.getBytes(), 0, text.numBytes(), values);
      }
      if (decoded) {
        return new GenericInternalRow(values);
      }
      java.util.Arrays.fill(values, null);
    }
    String problem = StrictJson.problem(text.toString());
    if (problem != null) {
      values[n + 1] = UTF8String.fromString(problem);
      return new GenericInternalRow(values);
    }
    InternalRow parsed;
    try {
      parsed = (InternalRow) spark.eval(new GenericInternalRow(new Object[] {text}));
    } catch (RuntimeException e) {
      // from_json throws for some values instead of marking the record (a date such as
      // '226-11-01' raises SparkUpgradeException): one record must not fail the whole job.
      values[n] = text;
      return new GenericInternalRow(values);
    }
    for (int i = 0; i <= n; i++) {
      DataType fieldType = type.fields()[i].dataType();
      values[i] = parsed.isNullAt(i) ? null : parsed.get(i, fieldType);
    }
    return new GenericInternalRow(values);
  }

  /**
   * The zone timestamps are read in when Spark's default format reads them (no timestampFormat, no
   * timeZone option, the default parser policy); null otherwise, leaving timestamps to Spark.
   */
  private ZoneId timestampZone() {
    boolean plain =
        !options.containsKey("timestampFormat")
            && !options.containsKey("timeZone")
            && !legacyTimeParser;
    return plain ? DateTimeUtils.getZoneId(timeZone) : null;
  }

  @Override
  public Seq<Expression> children() {
    return children;
  }

  @Override
  public boolean nullable() {
    return child.nullable();
  }

  @Override
  public DataType dataType() {
    return type;
  }

  @Override
  public String prettyName() {
    return "lambda_decode_json";
  }

  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    return CodegenFallback.super.doGenCode(ctx, ev);
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> newChildren) {
    Expression newChild = newChildren.apply(0);
    String corrupt = type.fields()[schema.fields().length].name();
    String syntax = type.fields()[schema.fields().length + 1].name();
    return new DecodeJson(
        newChild, schema, options, timeZone, corrupt, syntax, fast, legacyTimeParser);
  }

  @Override
  public int productArity() {
    return 1;
  }

  @Override
  public Object productElement(int n) {
    if (n != 0) {
      throw new IndexOutOfBoundsException(n);
    }
    return child;
  }

  @Override
  public boolean canEqual(Object that) {
    return that instanceof DecodeJson;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DecodeJson that
        && child.equals(that.child)
        && type.equals(that.type)
        && options.equals(that.options)
        && timeZone.equals(that.timeZone)
        && fast == that.fast;
  }

  @Override
  public int hashCode() {
    return Objects.hash(child, type, options, timeZone, fast);
  }
}

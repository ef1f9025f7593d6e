package io.lambdaflow.records;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.testkit.TestSpark;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The differential test of the JSON decoder: over a corpus of every malformed shape we know, the
 * framework's decoder ({@link DecodeJson}, {@link JsonRecordDecoder}) gives exactly the rows and
 * the dead letters of Spark's own path (strict syntax check, then {@code from_json}).
 */
class DecodeJsonTest {
  /** Every type: the decoder's own, and the ones it leaves to Spark per record. */
  private static final StructType ALL_TYPES =
      StructType.fromDDL(
          "s STRING, i INT, l BIGINT, d DOUBLE, b BOOLEAN, by TINYINT, sh SMALLINT,"
              + " ts TIMESTAMP, dt DATE, dec DECIMAL(10,2), f FLOAT, arr ARRAY<INT>,"
              + " st STRUCT<x: INT, y: STRING>, m MAP<STRING, INT>");

  /** Only the decoder's own types: most records never reach Spark's path. */
  private static final StructType DECODED =
      StructType.fromDDL(
          "event_type STRING, Host STRING, `User-Agent` STRING, amount INT, n BIGINT, x DOUBLE,"
              + " ok BOOLEAN, `ü` STRING, ts TIMESTAMP");

  private static final List<String> BASES =
      List.of(
          "{\"s\":\"a\",\"i\":1,\"l\":2,\"d\":1.5,\"b\":true,\"by\":3,\"sh\":4,"
              + "\"ts\":\"2026-11-01T10:00:00Z\",\"dt\":\"2026-11-01\",\"dec\":12.34,\"f\":0.5,"
              + "\"arr\":[1,2],\"st\":{\"x\":1,\"y\":\"z\"},\"m\":{\"k\":1}}",
          "{\"event_type\":\"purchase_sword\",\"Host\":\"user1.att.com\",\"User-Agent\":\"curl/7.88\","
              + "\"amount\":250,\"n\":-9007199254740993,\"x\":-0.0,\"ok\":false,\"extra\":\"e\","
              + "\"ts\":\"2026-11-01T10:00:00.250+01:00\"}",
          " {\t\"Host\" : \"caf\u00e9 \\u00e9 \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t\u4e2d\" ,"
              + " \"amount\" : -0 , \"x\" : 1E+2 , \"n\" : null , \"other\" : [1,{\"a\":[]}] }\r\n",
          "{\"ok\":true,\"event_type\":\"\uD83D\uDE00\\uD83D\\uDE00\",\"x\":7,\"\u00fc\":\"\u00fc\","
              + "\"\":\"empty name\",\"amount\":2147483647,\"n\":9223372036854775807}");

  private static final List<String> SHAPES =
      List.of(
          "",
          " ",
          "\n",
          "{}",
          "[]",
          "[{\"s\":\"a\"}]",
          "\"s\"",
          "1",
          "null",
          "true",
          "\uFEFF{\"s\":\"a\"}",
          "{\"s\":\"a\"}}",
          "{\"s\":\"a\"} x",
          "{\"s\":\"a\"}{}",
          "{\"s\":\"a\",}",
          "{,\"s\":\"a\"}",
          "{\"s\" \"a\"}",
          "{'s':'a'}",
          "{s:\"a\"}",
          "{\"s\":\"a\" /* c */}",
          "{\"s\":\"a\",\"s\":\"b\"}",
          "{\"i\":1,\"i\":null}",
          "{\"\\u0073\":\"escaped name\"}",
          "{\"s\":\"tab\there\"}",
          "{\"s\":\"bad \\x escape\"}",
          "{\"s\":\"lone \\ud800 surrogate\"}",
          "{\"s\":\"\\u00zz\"}",
          "{\"s\":\"\\u0000 nul\"}",
          "{\"s\":1}",
          "{\"s\":12.50}",
          "{\"s\":true}",
          "{\"s\":{\"a\":[1, 2]}}",
          "{\"s\":[\"x\"]}",
          "{\"i\":\"1\"}",
          "{\"i\":1.0}",
          "{\"i\":1e2}",
          "{\"i\":01}",
          "{\"i\":-}",
          "{\"i\":+1}",
          "{\"i\":.5}",
          "{\"i\":1.}",
          "{\"i\":2147483648}",
          "{\"i\":-2147483649}",
          "{\"l\":9223372036854775808}",
          "{\"l\":-9223372036854775808}",
          "{\"l\":123456789012345678901234567890}",
          "{\"by\":127}",
          "{\"by\":128}",
          "{\"by\":200}",
          "{\"by\":-129}",
          "{\"sh\":32768}",
          "{\"d\":NaN}",
          "{\"d\":\"NaN\"}",
          "{\"d\":\"Infinity\"}",
          "{\"d\":1e400}",
          "{\"d\":-0}",
          "{\"d\":123456789012345678901}",
          "{\"d\":0.1e-400}",
          "{\"f\":16777217}",
          "{\"dec\":1234567890.12}",
          "{\"dec\":1.005}",
          "{\"b\":\"true\"}",
          "{\"b\":1}",
          "{\"b\":tru}",
          "{\"b\":nul}",
          "{\"ts\":\"2026-11-01 10:00:00\"}",
          "{\"ts\":\"not a time\"}",
          "{\"ts\":1700000000}",
          "{\"ts\":\"\"}",
          "{\"ts\":\" 2026-11-01T10:00:00Z \"}",
          "{\"ts\":\"2026-11-01T10:00:00.123456789+02:00\"}",
          "{\"ts\":\"2026-11-01T10:00:00.5\"}",
          "{\"ts\":\"2026-11-01\"}",
          "{\"ts\":\"2026-11-01T25:00:00Z\"}",
          "{\"ts\":\"2026-11-01T10:00:00[Europe/Paris]\"}",
          "{\"ts\":\"+10000-01-01T00:00:00Z\"}",
          "{\"dt\":\"2026-13-45\"}",
          "{\"arr\":[1,\"x\"]}",
          "{\"st\":{\"x\":\"y\"}}",
          "{\"st\":[]}",
          "{\"m\":{\"k\":\"v\"}}",
          "{\"_lambda_corrupt\":\"x\",\"s\":\"a\"}",
          "{\"S\":\"case\"}",
          "{\"s\":\"" + "x".repeat(1 << 20) + "\"}",
          "{\"s\":\"" + "\u00e9\\n".repeat(100_000) + "\"}",
          "{\"deep\":" + "[".repeat(600) + "]".repeat(600) + "}",
          "{\"deep\":" + "[".repeat(300) + "]".repeat(300) + ",\"s\":\"after\"}",
          "{\"st\":" + "{\"x\":".repeat(100) + "1" + "}".repeat(100) + "}",
          "{\"s\":\"a\"");

  @Test
  void decodesExactlyAsSparkOverEveryMalformedShape() {
    List<byte[]> corpus = new ArrayList<>();
    for (String base : BASES) {
      byte[] bytes = utf8(base);
      for (int cut = 0; cut <= bytes.length; cut++) { // every truncation, mid-character too
        byte[] prefix = new byte[cut];
        System.arraycopy(bytes, 0, prefix, 0, cut);
        corpus.add(prefix);
      }
      corpus.addAll(mutations(bytes, new Random(base.hashCode()), 400));
    }
    SHAPES.forEach(shape -> corpus.add(utf8(shape)));
    corpus.add(new byte[] {'{', '"', 's', '"', ':', '"', (byte) 0xC3, '"', '}'}); // cut UTF-8
    corpus.add(
        new byte[] {'{', '"', 's', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'});
    corpus.add(new byte[] {'{', '"', 's', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'});
    corpus.add(
        new byte[] {
          '{', '"', 's', '"', ':', '"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"', '}'
        });
    corpus.add(new byte[] {'{', '"', (byte) 0xFF, '"', ':', '"', 'x', '"', '}'});
    corpus.add(null);

    JsonRecordDecoder decoder = new JsonRecordDecoder(DECODED, java.time.ZoneId.of("UTC"));
    long decoded =
        corpus.stream()
            .filter(r -> r != null && decoder.decode(r, 0, r.length, new Object[9]))
            .count();
    assertThat(decoded).as("records the decoder takes itself").isGreaterThan(150);
    for (StructType schema : List.of(ALL_TYPES, DECODED)) {
      List<String> ours = parse(corpus, schema, "lambdaflow");
      List<String> spark = parse(corpus, schema, "spark");
      assertThat(ours).hasSize(corpus.size());
      assertThat(ours).filteredOn(o -> o.contains("dead letter")).hasSizeBetween(1000, 4000);
      assertThat(ours).containsExactlyElementsOf(spark);
    }
  }

  @Test
  void decodesCommonRecordsItselfAndLeavesTheRestToSpark() {
    JsonRecordDecoder decoder = new JsonRecordDecoder(DECODED, java.time.ZoneId.of("UTC"));
    Object[] values = new Object[DECODED.fields().length];
    byte[] good = utf8(BASES.get(1));
    assertThat(decoder.decode(good, 0, good.length, values)).isTrue();
    assertThat(values)
        .containsExactly(
            utf8String("purchase_sword"),
            utf8String("user1.att.com"),
            utf8String("curl/7.88"),
            250,
            -9007199254740993L,
            -0.0,
            false,
            null,
            java.time.Instant.parse("2026-11-01T09:00:00.250Z").toEpochMilli() * 1000);
    byte[] escaped = utf8(BASES.get(2).replace(", \"other\" : [1,{\"a\":[]}]", ""));
    values = new Object[DECODED.fields().length];
    assertThat(decoder.decode(escaped, 0, escaped.length, values)).isTrue();
    assertThat(values[1]).isEqualTo(utf8String("caf\u00e9 \u00e9 \"q\" \\ / \b\f\n\r\t\u4e2d"));
    assertThat(values[3]).isEqualTo(0);
    assertThat(values[5]).isEqualTo(100.0);
    for (String left :
        List.of(BASES.get(2), "{\"amount\":1.0}", "{\"Host\":1}", "{\"x\":\"1\"}", "{\"a\":1}}")) {
      byte[] bytes = utf8(left);
      assertThat(decoder.decode(bytes, 0, bytes.length, new Object[9])).as(left).isFalse();
    }
  }

  /** Each record's outcome, in corpus order: its row, or its dead letter's reason. */
  private static List<String> parse(List<byte[]> corpus, StructType schema, String decoder) {
    SparkSession spark = TestSpark.session();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < corpus.size(); i++) {
      rows.add(RowFactory.create(corpus.get(i), String.format("%06d", i)));
    }
    Dataset<Row> input =
        spark.createDataFrame(
            rows,
            new StructType()
                .add("value", DataTypes.BinaryType)
                .add(MetadataColumns.POSITION, DataTypes.StringType));
    List<Dataset<Row>> rejected = new ArrayList<>();
    spark.conf().set(DecodeJson.SWITCH, decoder);
    Dataset<Row> parsed;
    try {
      parsed =
          RecordParser.json(schema, Map.of())
              .parse(input, col("value"), List.of(), rejected::add, d -> d);
    } finally {
      spark.conf().unset(DecodeJson.SWITCH);
    }
    List<String> outcomes = new ArrayList<>();
    parsed.collectAsList().forEach(r -> outcomes.add(r.getString(r.length() - 1) + " " + r));
    rejected
        .get(0)
        .collectAsList()
        .forEach(r -> outcomes.add(r.getString(2) + " dead letter: " + r.getString(0)));
    outcomes.sort(null);
    return outcomes;
  }

  private static List<byte[]> mutations(byte[] base, Random random, int count) {
    byte[][] alphabet = {
      utf8("{"), utf8("}"), utf8("["), utf8("]"), utf8("\""), utf8(","), utf8(":"), utf8("\\"),
      utf8(" "), utf8("0"), utf8("9"), utf8("-"), utf8("."), utf8("e"), utf8("t"), utf8("n"),
      utf8("u"), utf8("\u00e9"), utf8("\n"), utf8("\t"), new byte[] {(byte) 0x80}, new byte[0]
    };
    List<byte[]> out = new ArrayList<>();
    for (int m = 0; m < count; m++) {
      int at = random.nextInt(base.length);
      byte[] with = alphabet[random.nextInt(alphabet.length)];
      boolean insert = random.nextBoolean();
      byte[] mutated = new byte[base.length + with.length - (insert ? 0 : 1)];
      System.arraycopy(base, 0, mutated, 0, at);
      System.arraycopy(with, 0, mutated, at, with.length);
      int rest = insert ? at : at + 1;
      System.arraycopy(base, rest, mutated, at + with.length, base.length - rest);
      out.add(mutated);
    }
    return out;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static org.apache.spark.unsafe.types.UTF8String utf8String(String text) {
    return org.apache.spark.unsafe.types.UTF8String.fromString(text);
  }
}

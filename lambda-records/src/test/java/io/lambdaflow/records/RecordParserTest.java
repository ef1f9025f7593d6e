package io.lambdaflow.records;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.testkit.TestSpark;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class RecordParserTest {
  private static final String SCHEMA =
      "{\"type\":\"record\",\"name\":\"StopTime\",\"fields\":["
          + "{\"name\":\"trip_id\",\"type\":\"string\"},{\"name\":\"stop_sequence\",\"type\":\"int\"}]}";

  @Test
  void avroRecordsThatDoNotDecodeAreRejected() {
    Dataset<Row> input =
        TestSpark.session()
            .createDataset(
                List.of(
                    new byte[] {4, 't', '1', 2},
                    new byte[] {(byte) 0xff, 1, 2},
                    new byte[] {},
                    new byte[] {4, 't', '1', 2, 9}, // trailing garbage
                    new byte[] {0, 0, 0, 0, 7, 4, 't', '2', 4}), // Confluent-framed, schema id 7
                Encoders.BINARY())
            .toDF("value");
    List<Dataset<Row>> rejected = new ArrayList<>();

    Dataset<Row> parsed =
        RecordParser.avro(SCHEMA).parse(input, col("value"), List.of(), rejected::add, d -> d);

    assertThat(parsed.collectAsList()).extracting(Row::toString).containsExactly("[t1,1]");
    assertThat(rejected.get(0).collectAsList())
        .extracting(r -> r.getString(0) + " " + r.getString(1))
        .containsExactlyInAnyOrder(
            "not an Avro record of the schema StopTime: Malformed data. Length is negative: -128 /wEC",
            "truncated Avro record: the value ends inside it (0 bytes) ",
            "not one Avro record of the schema StopTime: 1 byte(s) left after it BHQxAgk=",
            "a Confluent wire-format value (magic byte 0, schema id 7) read as plain Avro: set"
                + " schema-registry-url AAAAAAcEdDIE");
  }
}

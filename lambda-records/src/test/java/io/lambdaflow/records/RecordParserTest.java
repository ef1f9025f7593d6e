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
                List.of(new byte[] {4, 't', '1', 2}, new byte[] {(byte) 0xff, 1, 2}, new byte[] {}),
                Encoders.BINARY())
            .toDF("value");
    List<Dataset<Row>> rejected = new ArrayList<>();

    Dataset<Row> parsed =
        RecordParser.avro(SCHEMA).parse(input, col("value"), List.of(), rejected::add, d -> d);

    assertThat(parsed.collectAsList()).extracting(Row::toString).containsExactly("[t1,1]");
    assertThat(rejected.get(0).collectAsList())
        .extracting(r -> r.getString(0) + " " + r.getString(1))
        .containsExactlyInAnyOrder(
            "not valid Avro for the schema trip_id STRING NOT NULL,stop_sequence INT NOT NULL /wEC",
            "not valid Avro for the schema trip_id STRING NOT NULL,stop_sequence INT NOT NULL ");
  }
}

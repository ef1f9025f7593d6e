package io.lambdaflow.kafka;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import io.lambdaflow.spi.StreamWriteContext;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.SupportsStreamWrite;
import io.lambdaflow.spi.WriteContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.avro.functions;
import org.apache.spark.sql.streaming.StreamingQuery;

/**
 * Kafka through Spark's connector. Delivery is at least once: a micro-batch replayed after a crash
 * is written again (Spark's Kafka sink has no transactions); consumers needing exactly once
 * deduplicate by key.
 */
final class KafkaSink implements SupportsBatchWrite, SupportsStreamWrite {
  private final String bootstrapServers;
  private final String topic;
  private final String valueFormat;
  private final String avroSchema;
  private final String key;
  private final Map<String, String> client;
  private final Duration timeout;
  private final io.lambdaflow.records.SchemaRegistry registry; // null: plain Avro binary

  KafkaSink(
      String bootstrapServers,
      String topic,
      String valueFormat,
      String avroSchema,
      String key,
      Map<String, String> client,
      Duration timeout,
      io.lambdaflow.records.SchemaRegistry registry) {
    this.registry = registry;
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.valueFormat = valueFormat;
    this.avroSchema = avroSchema;
    this.key = key;
    this.client = client;
    this.timeout = timeout;
  }

  @Override
  public void writeBatch(Dataset<Row> data, WriteContext context) {
    checkTopic();
    records(data)
        .write()
        .format("kafka")
        .options(KafkaOptions.sparkOptions(bootstrapServers, client))
        .option("topic", topic)
        .save();
  }

  @Override
  public StreamingQuery startStream(Dataset<Row> data, StreamWriteContext context)
      throws TimeoutException {
    checkTopic();
    return context
        .writer(records(data))
        .format("kafka")
        .options(KafkaOptions.sparkOptions(bootstrapServers, client))
        .option("topic", topic)
        .start();
  }

  private void checkTopic() {
    new KafkaCluster(bootstrapServers, client, timeout).partitions(List.of(topic), null);
  }

  private Dataset<Row> records(Dataset<Row> data) {
    Column[] all =
        Arrays.stream(data.columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new);
    Column value =
        switch (valueFormat) {
          case "json" -> to_json(struct(all));
          case "avro" -> avro(data, struct(all));
          default -> stringValue(data);
        };
    List<Column> columns = new ArrayList<>();
    if (key != null) {
      columns.add(expr(key).cast("string").alias("key"));
    }
    columns.add(value.alias("value"));
    return data.select(columns.toArray(Column[]::new));
  }

  /**
   * The row as Avro: plain binary, or with a registry the Confluent wire format, the schema
   * registered under the subject {@code <topic>-value} first (the registry's compatibility rule
   * decides; a refusal stops the sink before it writes anything).
   */
  private Column avro(Dataset<Row> data, Column row) {
    if (registry == null) {
      return avroSchema == null ? functions.to_avro(row) : functions.to_avro(row, avroSchema);
    }
    org.apache.avro.Schema schema =
        avroSchema != null
            ? new org.apache.avro.Schema.Parser().parse(avroSchema)
            : org.apache.spark.sql.avro.SchemaConverters.toAvroType(
                data.select(row).schema().fields()[0].dataType(),
                false,
                topic.replaceAll("[^A-Za-z0-9_]", "_"),
                "");
    String subject = topic + "-value";
    int id;
    try {
      id = registry.register(subject, schema);
    } catch (io.lambdaflow.records.SchemaRegistry.RegistryException e) {
      throw new IllegalStateException(
          "the schema registry refused the schema for subject '" + subject + "': " + e.getMessage(),
          e);
    }
    byte[] header = {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id};
    return org.apache.spark.sql.functions.concat(
        org.apache.spark.sql.functions.lit(header), functions.to_avro(row, schema.toString()));
  }

  private static Column stringValue(Dataset<Row> data) {
    List<String> names = Arrays.asList(data.columns());
    if (names.contains("value")) {
      return col("value").cast("string");
    }
    if (names.size() == 1) {
      return col("`" + names.get(0) + "`").cast("string");
    }
    throw new IllegalArgumentException(
        "value-format = string writes one column, but the input has "
            + names
            + "; select one column, name one 'value', or use value-format = json");
  }
}

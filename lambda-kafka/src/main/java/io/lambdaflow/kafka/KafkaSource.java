package io.lambdaflow.kafka;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdaflow.records.RecordParser;
import io.lambdaflow.spi.Horizon;
import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.ReadContext;
import io.lambdaflow.spi.SupportsHorizon;
import io.lambdaflow.spi.SupportsStreamRead;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.common.TopicPartition;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka through Spark's connector. Batch runs read a bounded range fixed when the run starts (the
 * end offset of every partition then), so a run is repeatable; the range's end is remembered after
 * a successful run for {@code starting-offsets = last-run}. Every record carries its position as
 * {@code topic/partition@offset}.
 */
final class KafkaSource implements SupportsHorizon, SupportsStreamRead {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);

  private final PluginContext plugin;
  private final String bootstrapServers;
  private final List<String> topics;
  private final String topicPattern;
  private final String startingOffsets;
  private final String endingOffsets;
  private final String keyFormat;
  private final String valueFormat;
  private final RecordParser parser;
  private final List<String> columns;
  private final Long maxOffsetsPerTrigger;
  private final boolean failOnDataLoss;
  private final Map<String, String> client;
  private final Duration timeout;

  /** The end of the range the current batch run reads, saved by {@link #commitBatch}. */
  private Map<TopicPartition, Long> pendingEnd;

  KafkaSource(
      PluginContext plugin,
      String bootstrapServers,
      List<String> topics,
      String topicPattern,
      String startingOffsets,
      String endingOffsets,
      String keyFormat,
      String valueFormat,
      RecordParser parser,
      List<String> columns,
      Long maxOffsetsPerTrigger,
      boolean failOnDataLoss,
      Map<String, String> client,
      Duration timeout) {
    this.plugin = plugin;
    this.bootstrapServers = bootstrapServers;
    this.topics = topics;
    this.topicPattern = topicPattern;
    this.startingOffsets = startingOffsets;
    this.endingOffsets = endingOffsets;
    this.keyFormat = keyFormat;
    this.valueFormat = valueFormat;
    this.parser = parser;
    this.columns = columns;
    this.maxOffsetsPerTrigger = maxOffsetsPerTrigger;
    this.failOnDataLoss = failOnDataLoss;
    this.client = client;
    this.timeout = timeout;
  }

  @Override
  public Dataset<Row> readBatch(ReadContext context) {
    KafkaCluster cluster = new KafkaCluster(bootstrapServers, client, timeout);
    List<TopicPartition> partitions = cluster.partitions(topics, topicPattern);
    Map<TopicPartition, Long> end =
        endingOffsets.equals("latest") ? cluster.endOffsets(partitions) : null;
    String starting =
        switch (startingOffsets) {
          case "last-run" -> toJson(lastRun(context, partitions));
          case "latest" -> toJson(end != null ? end : cluster.endOffsets(partitions));
          default -> startingOffsets;
        };
    pendingEnd = end;
    DataFrameReader reader =
        subscribe(context.spark().read().format("kafka"))
            .option("startingOffsets", starting)
            .option("endingOffsets", end != null ? toJson(end) : endingOffsets);
    return shape(reader.load(), context);
  }

  /** Its offsets are fixed when it is read (ending at the end offsets of that moment). */
  @Override
  public boolean repeatable() {
    return true;
  }

  @Override
  public Horizon horizon(ReadContext context) {
    KafkaCluster cluster = new KafkaCluster(bootstrapServers, client, timeout);
    Map<String, Long> ends = new TreeMap<>();
    cluster
        .endOffsets(cluster.partitions(topics, topicPattern))
        .forEach((partition, end) -> ends.put(key(partition), end));
    return new Horizon(ends);
  }

  @Override
  public Dataset<Row> readRange(ReadContext context, Horizon from, Horizon to) {
    KafkaCluster cluster = new KafkaCluster(bootstrapServers, client, timeout);
    List<TopicPartition> partitions = new ArrayList<>();
    for (String key : to.ends().keySet()) {
      int slash = key.lastIndexOf('/');
      partitions.add(
          new TopicPartition(key.substring(0, slash), Integer.parseInt(key.substring(slash + 1))));
    }
    Map<TopicPartition, Long> beginning = cluster.beginningOffsets(partitions);
    Map<TopicPartition, Long> starting = new TreeMap<>(KafkaSource::byName);
    Map<TopicPartition, Long> ending = new TreeMap<>(KafkaSource::byName);
    List<String> gaps = new ArrayList<>();
    for (TopicPartition partition : partitions) {
      long end = to.ends().get(key(partition));
      Long start = from.end(key(partition)).orElse(null);
      long earliest = beginning.getOrDefault(partition, 0L);
      if (start != null && start < earliest && start < end) {
        gaps.add(
            "topic "
                + partition.topic()
                + " partition "
                + partition.partition()
                + " no longer holds offsets "
                + start
                + " to "
                + (Math.min(earliest, end) - 1)
                + " (it starts at "
                + earliest
                + ")");
      }
      starting.put(partition, start == null ? earliest : Math.min(start, end));
      ending.put(partition, end);
    }
    if (!gaps.isEmpty() && context.acceptGaps()) {
      LOG.warn("source '{}' accepts a gap in its data: {}", plugin.nodeName(), gaps);
      partitions.forEach(
          p ->
              starting.put(
                  p, Math.min(Math.max(starting.get(p), beginning.get(p)), ending.get(p))));
    } else if (!gaps.isEmpty()) {
      throw new DataGapException(
          "source '"
              + plugin.nodeName()
              + "': records expired before a batch run read them, so the master dataset would"
              + " miss them: "
              + String.join("; ", gaps)
              + ". Raise the topic's retention or run batch more often; to accept the loss and"
              + " go on from what the topic still holds, run once with --accept-gap");
    }
    DataFrameReader reader =
        subscribe(context.spark().read().format("kafka"))
            .option("startingOffsets", toJson(starting))
            .option("endingOffsets", toJson(ending));
    return shape(reader.load(), context);
  }

  @Override
  public Dataset<Row> readStream(ReadContext context) {
    return decode(readUndecodedStream(context), context);
  }

  @Override
  public Dataset<Row> readUndecodedStream(ReadContext context) {
    new KafkaCluster(bootstrapServers, client, timeout).partitions(topics, topicPattern);
    // The speed layer resumes from its checkpoint; last-run is a batch notion, so it starts at the
    // beginning the first time.
    String starting = startingOffsets.equals("last-run") ? "earliest" : startingOffsets;
    DataStreamReader reader =
        context
            .spark()
            .readStream()
            .format("kafka")
            .options(KafkaOptions.sparkOptions(bootstrapServers, client))
            .option(subscribeKey(), subscribeValue())
            .option("failOnDataLoss", failOnDataLoss)
            .option("includeHeaders", columns.contains("headers"))
            .option("startingOffsets", starting);
    if (maxOffsetsPerTrigger != null) {
      reader = reader.option("maxOffsetsPerTrigger", maxOffsetsPerTrigger);
    }
    return undecoded(reader.load());
  }

  @Override
  public void commitBatch(ReadContext context) {
    if (pendingEnd == null) {
      return;
    }
    Path file = stateFile();
    try {
      FileSystem fs = file.getFileSystem(context.spark().sparkContext().hadoopConfiguration());
      try (OutputStream out = fs.create(file, true)) {
        out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(nested(pendingEnd)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot save the offsets source '" + plugin.nodeName() + "' read to " + file, e);
    }
  }

  private DataFrameReader subscribe(DataFrameReader reader) {
    return reader
        .options(KafkaOptions.sparkOptions(bootstrapServers, client))
        .option(subscribeKey(), subscribeValue())
        .option("failOnDataLoss", failOnDataLoss)
        .option("includeHeaders", columns.contains("headers"));
  }

  private String subscribeKey() {
    return topicPattern != null ? "subscribePattern" : "subscribe";
  }

  private String subscribeValue() {
    return topicPattern != null ? topicPattern : String.join(",", topics);
  }

  @Override
  public Dataset<Row> decode(Dataset<Row> records, ReadContext context) {
    if (parser == null) {
      return records;
    }
    return parser.parse(records, col("value"), columns, context::deadLetter, context::reuse);
  }

  private Dataset<Row> shape(Dataset<Row> raw, ReadContext context) {
    return decode(undecoded(raw), context);
  }

  /** Kafka's records as this source delivers them, with their positions, before any parsing. */
  private Dataset<Row> undecoded(Dataset<Row> raw) {
    List<Column> base = new ArrayList<>();
    for (String column : columns) {
      base.add(
          switch (column) {
            case "key" ->
                keyFormat.equals("binary") ? col("key") : col("key").cast("string").alias("key");
            case "headers" ->
                expr("map_from_entries(transform(headers, h -> struct(h.key, cast(h.value AS STRING))))")
                    .alias("headers");
            default -> col(column);
          });
    }
    base.add(
        // Binary and Avro values stay bytes; every other format is text.
        valueFormat.equals("binary") || valueFormat.equals("avro")
            ? col("value")
            : col("value").cast("string").alias("value"));
    base.add(
        concat(
                col("topic"),
                lit("/"),
                col("partition").cast("string"),
                lit("@"),
                col("offset").cast("string"))
            .alias(MetadataColumns.POSITION));
    base.add(
        concat(col("topic"), lit("/"), col("partition").cast("string"))
            .alias(MetadataColumns.PARTITION));
    base.add(col("offset").alias(MetadataColumns.OFFSET));
    return raw.select(base.toArray(Column[]::new));
  }

  private Map<TopicPartition, Long> lastRun(ReadContext context, List<TopicPartition> partitions) {
    Map<TopicPartition, Long> starting =
        new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    partitions.forEach(p -> starting.put(p, -2L)); // -2: earliest, for partitions not read before
    Path file = stateFile();
    try {
      FileSystem fs = file.getFileSystem(context.spark().sparkContext().hadoopConfiguration());
      if (!fs.exists(file)) {
        return starting;
      }
      try (InputStream in = fs.open(file)) {
        Map<String, Map<String, Long>> saved = JSON.readValue(in, new TypeReference<>() {});
        saved.forEach(
            (topic, byPartition) ->
                byPartition.forEach(
                    (partition, offset) -> {
                      TopicPartition key = new TopicPartition(topic, Integer.parseInt(partition));
                      if (starting.containsKey(key)) {
                        starting.put(key, offset);
                      }
                    }));
      }
      return starting;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the offsets of the last run from " + file, e);
    }
  }

  private static String key(TopicPartition partition) {
    return partition.topic() + "/" + partition.partition();
  }

  private static int byName(TopicPartition a, TopicPartition b) {
    return a.toString().compareTo(b.toString());
  }

  private Path stateFile() {
    return new Path(
        plugin.storageRoot()
            + "/state/"
            + plugin.pipelineName()
            + "/sources/"
            + plugin.nodeName()
            + "/kafka-offsets.json");
  }

  private static String toJson(Map<TopicPartition, Long> offsets) {
    try {
      return JSON.writeValueAsString(nested(offsets));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Map<String, Long>> nested(Map<TopicPartition, Long> offsets) {
    Map<String, Map<String, Long>> nested = new TreeMap<>();
    offsets.forEach(
        (partition, offset) ->
            nested
                .computeIfAbsent(partition.topic(), t -> new TreeMap<>())
                .put(String.valueOf(partition.partition()), offset));
    return nested;
  }
}

package io.lambdaflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;
import io.lambdaflow.records.SchemaRegistry;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code lambda produce}: lines of a file (or standard input) to a Kafka topic, at a rate, as they
 * are or as CSV, JSON or Avro records. A file with a header (CSV: {@code stop_times.txt}) is read
 * by its column names; JSON lines by their fields.
 */
final class Producer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FORMATS = Set.of("string", "csv", "json", "avro");

  private final String topic;
  private final String format;
  private final PrintStream err;
  private Schema avro;
  private byte[] header = new byte[0]; // the Confluent wire format's, with a registry
  private String[] columns; // the input's header; null for JSON lines
  private List<String> chosen = List.of(); // --columns: csv output of these, in this order
  private CsvParser csv;

  private Producer(String topic, String format, PrintStream err) {
    this.topic = topic;
    this.format = format;
    this.err = err;
  }

  static int run(CommandLine command, InputStream in, PrintStream err) {
    String topic = command.flags().get("--topic");
    String format = command.flag("--format", "string");
    if (topic == null || !FORMATS.contains(format)) {
      err.println(
          "lambda produce: "
              + (topic == null ? "which topic?" : "--format is one of " + FORMATS)
              + " usage: lambda produce --topic T [--file PATH] [--format string|csv|json|avro]"
              + " [--rate N] [--bootstrap host:port]");
      return Launcher.CONFIGURATION_ERROR;
    }
    Producer producer = new Producer(topic, format, err);
    String chosen = command.flags().get("--columns");
    if (chosen != null) {
      producer.chosen = List.of(chosen.split(","));
    }
    try {
      if (format.equals("avro")) {
        String schema = command.flags().get("--avro-schema");
        if (schema == null) {
          err.println(
              "lambda produce: --format avro needs --avro-schema FILE (a JSON Avro schema)");
          return Launcher.CONFIGURATION_ERROR;
        }
        producer.avro = new Schema.Parser().parse(Files.readString(Path.of(schema)));
        String registryUrl = command.flags().get("--schema-registry");
        if (registryUrl != null) {
          SchemaRegistry registry =
              new SchemaRegistry(
                  registryUrl,
                  System.getenv("LAMBDA_REGISTRY_USER"),
                  System.getenv("LAMBDA_REGISTRY_PASSWORD"));
          int id = registry.register(topic + "-value", producer.avro);
          producer.header = ByteBuffer.allocate(5).put((byte) 0).putInt(id).array();
          err.println("schema registered as id " + id + " under subject '" + topic + "-value'");
        }
      }
      return producer.send(command, in);
    } catch (IOException | RuntimeException e) {
      err.println("lambda produce: " + e.getMessage());
      return Launcher.RUNTIME_FAILURE;
    }
  }

  private int send(CommandLine command, InputStream in) throws IOException {
    String env = System.getenv("LAMBDA_KAFKA");
    String bootstrap =
        command.flag("--bootstrap", env != null && !env.isBlank() ? env : "127.0.0.1:9092");
    Map<String, Object> config =
        Map.of(
            "bootstrap.servers", bootstrap,
            "acks", "all",
            "max.block.ms", "30000",
            "request.timeout.ms", "30000",
            "default.api.timeout.ms", "30000");
    if (!ensureTopic(config, bootstrap, Integer.parseInt(command.flag("--partitions", "1")))) {
      return Launcher.RUNTIME_FAILURE;
    }
    double rate = Double.parseDouble(command.flag("--rate", "0"));
    long interval = rate > 0 ? (long) (1e9 / rate) : 0;
    String key = command.flags().get("--key");
    String file = command.flags().get("--file");
    long sent = 0;
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        BufferedReader lines =
            new BufferedReader(
                new InputStreamReader(
                    file == null ? in : Files.newInputStream(Path.of(file)),
                    StandardCharsets.UTF_8))) {
      String line;
      long number = 0;
      long next = System.nanoTime();
      while ((line = lines.readLine()) != null && failure.get() == null) {
        number++;
        if (!format.equals("string") && number == 1 && !line.strip().startsWith("{")) {
          columns = csv().parseLine(line.replace("\uFEFF", ""));
          for (int i = 0; i < columns.length; i++) {
            columns[i] = columns[i] == null ? "" : columns[i].strip();
          }
          continue; // the header names the columns
        }
        if (!format.equals("string") && line.isBlank()) {
          continue;
        }
        Map<String, String> fields = format.equals("string") ? Map.of() : fields(line, number);
        byte[] value = value(line, fields, number);
        byte[] keyBytes =
            key == null || fields.get(key) == null
                ? null
                : fields.get(key).getBytes(StandardCharsets.UTF_8);
        if (interval > 0) {
          long wait = next - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait); // pacing records, not waiting for a condition
          }
          next += interval;
        }
        producer.send(
            new ProducerRecord<>(topic, keyBytes, value),
            (metadata, e) -> {
              if (e != null) {
                failure.compareAndSet(null, e);
              }
            });
        sent++;
      }
      producer.flush(); // every record is acknowledged (acks = all) or has failed
    }
    if (failure.get() != null) {
      err.println("lambda produce: not every record was written: " + failure.get().getMessage());
      return Launcher.RUNTIME_FAILURE;
    }
    err.println(
        "produced "
            + sent
            + " record(s) to topic '"
            + topic
            + "' at "
            + bootstrap
            + (format.equals("string") ? "" : " as " + format));
    return Launcher.OK;
  }

  /** A line's fields by name: by the header for CSV, by key for a JSON object. */
  private Map<String, String> fields(String line, long number) throws IOException {
    Map<String, String> fields = new LinkedHashMap<>();
    if (columns == null) {
      JsonNode node = JSON.readTree(line);
      if (!node.isObject()) {
        throw new IOException("line " + number + " is not a JSON object");
      }
      node.fields()
          .forEachRemaining(
              e -> fields.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
      return fields;
    }
    String[] values = csv().parseLine(line);
    if (values.length != columns.length && !format.equals("csv")) {
      throw new IOException(
          "line " + number + " has " + values.length + " fields, the header " + columns.length);
    }
    for (int i = 0; i < columns.length && i < values.length; i++) {
      fields.put(columns[i], values[i] == null || values[i].isEmpty() ? null : values[i]);
    }
    return fields;
  }

  private byte[] value(String line, Map<String, String> fields, long number) throws IOException {
    switch (format) {
      case "string" -> {
        return line.getBytes(StandardCharsets.UTF_8);
      }
      case "csv" -> {
        if (chosen.isEmpty()) {
          return line.getBytes(StandardCharsets.UTF_8); // a CSV record as it is, header left out
        }
        List<String> values = new java.util.ArrayList<>();
        for (String column : chosen) {
          if (columns != null && !java.util.Arrays.asList(columns).contains(column)) {
            throw new IOException(
                "--columns names '"
                    + column
                    + "', which the header does not have: "
                    + String.join(",", columns));
          }
          values.add(quoted(fields.get(column)));
        }
        return String.join(",", values).getBytes(StandardCharsets.UTF_8);
      }
      case "json" -> {
        ObjectNode object = JSON.createObjectNode();
        fields.forEach(object::put);
        return JSON.writeValueAsBytes(object);
      }
      default -> {
        GenericRecord record = new GenericData.Record(avro);
        for (Schema.Field field : avro.getFields()) {
          record.put(field.pos(), convert(field, fields.get(field.name()), number));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(avro).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
      }
    }
  }

  /** A CSV field: quoted when it holds a comma, a quote or a line break; empty for null. */
  private static String quoted(String value) {
    if (value == null) {
      return "";
    }
    return value.contains(",")
            || value.contains("\"")
            || value.contains("\n")
            || value.contains("\r")
        ? "\"" + value.replace("\"", "\"\"") + "\""
        : value;
  }

  /** A field's text as its Avro type (a union with null takes null for an empty value). */
  private static Object convert(Schema.Field field, String text, long number) throws IOException {
    Schema type = field.schema();
    if (type.getType() == Schema.Type.UNION) {
      if (text == null) {
        return null;
      }
      type =
          type.getTypes().stream()
              .filter(t -> t.getType() != Schema.Type.NULL)
              .findFirst()
              .orElse(type);
    }
    if (text == null) {
      if (field.hasDefaultValue()) {
        return GenericData.get().getDefaultValue(field);
      }
      throw new IOException("line " + number + ": no value for '" + field.name() + "'");
    }
    try {
      return switch (type.getType()) {
        case INT -> Integer.parseInt(text.strip());
        case LONG -> Long.parseLong(text.strip());
        case FLOAT -> Float.parseFloat(text.strip());
        case DOUBLE -> Double.parseDouble(text.strip());
        case BOOLEAN -> Boolean.parseBoolean(text.strip());
        case STRING -> text;
        default ->
            throw new IOException(
                "line "
                    + number
                    + ": Avro type "
                    + type.getType().getName()
                    + " of '"
                    + field.name()
                    + "' is not produced from text");
      };
    } catch (NumberFormatException e) {
      throw new IOException(
          "line "
              + number
              + ": '"
              + text
              + "' is not a "
              + type.getType().getName().toLowerCase(Locale.ROOT)
              + " for '"
              + field.name()
              + "'");
    }
  }

  private CsvParser csv() {
    if (csv == null) {
      CsvParserSettings settings = new CsvParserSettings();
      settings.setLineSeparatorDetectionEnabled(false);
      settings.setIgnoreLeadingWhitespaces(false);
      settings.setIgnoreTrailingWhitespaces(false);
      settings.setMaxCharsPerColumn(-1);
      settings.setNullValue(null);
      settings.setEmptyValue("");
      csv = new CsvParser(settings);
    }
    return csv;
  }

  /** Creates the topic when it is not there; false (after saying why) when Kafka cannot. */
  private boolean ensureTopic(Map<String, Object> config, String bootstrap, int partitions) {
    try (Admin admin = Admin.create(config)) {
      Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      if (!topics.contains(topic)) {
        admin
            .createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
            .all()
            .get(30, TimeUnit.SECONDS);
        err.println("created topic '" + topic + "' with " + partitions + " partition(s)");
      }
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return true;
      }
      err.println(
          "lambda produce: Kafka at " + bootstrap + " refused: " + e.getCause().getMessage());
      return false;
    } catch (java.util.concurrent.TimeoutException e) {
      err.println(
          "lambda produce: cannot reach Kafka at "
              + bootstrap
              + " within 30 s; is the broker running? (bin/lambda broker starts one)");
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}

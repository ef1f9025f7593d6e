package io.lambdaflow.records;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Checks each Avro value strictly before Spark decodes it, as {@code (record, problem)}: the
 * record's Avro binary in the reader schema, or why there is none. Spark's {@code from_avro} reads
 * whatever bytes it is given and stops where the schema ends, so a value in another framing decodes
 * into plausible garbage; here a value must be exactly one record.
 *
 * <p>Without a registry a value is plain Avro binary written with the reader schema; a value that
 * reads exactly as one after a 5-byte Confluent header (magic byte 0, a schema id) is refused as
 * framed. With a registry a value is in the Confluent wire format: magic byte 0, the writer
 * schema's id (4 bytes, big-endian), the record; the writer schema is fetched by id (cached) and
 * the record resolved to the reader schema by Avro's rules (a field added with a default, a field
 * removed). A registry that does not answer fails the read (the speed layer's restart policy
 * applies); an id it does not know is the record's problem.
 */
final class AvroFrames implements UDF1<byte[], Row>, Serializable {
  private static final long serialVersionUID = 1L;

  /** What {@link #call} returns. */
  static final StructType TYPE =
      new StructType().add("record", DataTypes.BinaryType).add("problem", DataTypes.StringType);

  private final String readerJson;
  private final SchemaRegistry registry; // null: plain Avro binary
  private transient Schema reader;

  AvroFrames(String readerJson, SchemaRegistry registry) {
    this.readerJson = readerJson;
    this.registry = registry;
  }

  @Override
  public Row call(byte[] value) {
    if (value == null) {
      return RowFactory.create(null, "value is null");
    }
    if (reader == null) {
      reader = new Schema.Parser().parse(readerJson);
    }
    return registry == null ? plain(value) : framed(value);
  }

  private Row plain(byte[] value) {
    if (looksFramed(value) && readsExactly(value, 5, reader, reader) == null) {
      return RowFactory.create(
          null,
          "a Confluent wire-format value (magic byte 0, schema id "
              + id(value)
              + ") read as plain Avro: set schema-registry-url");
    }
    String problem = readsExactly(value, 0, reader, reader);
    if (problem != null) {
      return RowFactory.create(
          null,
          problem
              + (looksFramed(value)
                  ? "; it starts like the Confluent wire format (schema id "
                      + id(value)
                      + "): set schema-registry-url"
                  : ""));
    }
    return RowFactory.create(value, null);
  }

  private Row framed(byte[] value) {
    if (value.length < 5 || value[0] != 0) {
      return RowFactory.create(
          null,
          "not in the Confluent wire format: "
              + (value.length == 0
                  ? "the value is empty"
                  : value[0] != 0
                      ? String.format(
                          Locale.ROOT, "the first byte is 0x%02x, not the magic byte 0", value[0])
                      : "only " + value.length + " bytes, fewer than the 5-byte header"));
    }
    int id = id(value);
    Schema writer;
    try {
      writer = registry.schema(id);
    } catch (SchemaRegistry.RegistryException e) {
      if (e.status() == 404) {
        return RowFactory.create(
            null, "schema id " + id + " is unknown to the schema registry at " + registry.url());
      }
      throw e; // the registry is out: not this record's fault
    }
    String problem = readsExactly(value, 5, writer, reader);
    if (problem != null) {
      return RowFactory.create(null, problem + " (writer schema id " + id + ")");
    }
    if (writer.equals(reader)) {
      return RowFactory.create(Arrays.copyOfRange(value, 5, value.length), null);
    }
    try {
      BinaryDecoder in = DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null);
      Object record = new GenericDatumReader<>(writer, reader).read(null, in);
      ByteArrayOutputStream out = new ByteArrayOutputStream(value.length);
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      new GenericDatumWriter<>(reader).write(record, encoder);
      encoder.flush();
      return RowFactory.create(out.toByteArray(), null);
    } catch (IOException | RuntimeException e) {
      return RowFactory.create(
          null, "cannot resolve writer schema id " + id + ": " + e.getMessage());
    }
  }

  /** Null when {@code value} from {@code offset} is exactly one record; else why not. */
  private static String readsExactly(byte[] value, int offset, Schema writer, Schema reader) {
    BinaryDecoder in =
        DecoderFactory.get().binaryDecoder(value, offset, value.length - offset, null);
    try {
      new GenericDatumReader<>(writer, reader).read(null, in);
      if (!in.isEnd()) {
        int left = in.inputStream().available();
        return "not one Avro record of the schema "
            + writer.getFullName()
            + ": "
            + left
            + " byte(s) left after it";
      }
      return null;
    } catch (EOFException e) {
      return "truncated Avro record: the value ends inside it ("
          + (value.length - offset)
          + " bytes)";
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
      return "not an Avro record of the schema " + writer.getFullName() + ": " + e.getMessage();
    } catch (RuntimeException e) { // a negative length or size makes Avro throw others
      return "not an Avro record of the schema " + writer.getFullName() + ": " + e;
    }
  }

  private static boolean looksFramed(byte[] value) {
    return value.length > 5 && value[0] == 0;
  }

  private static int id(byte[] value) {
    return ((value[1] & 0xff) << 24)
        | ((value[2] & 0xff) << 16)
        | ((value[3] & 0xff) << 8)
        | (value[4] & 0xff);
  }
}

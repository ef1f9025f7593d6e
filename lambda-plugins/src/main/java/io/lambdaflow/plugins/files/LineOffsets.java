package io.lambdaflow.plugins.files;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.JobID;
import org.apache.hadoop.mapreduce.TaskAttemptID;
import org.apache.hadoop.mapreduce.TaskID;
import org.apache.hadoop.mapreduce.TaskType;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.LineRecordReader;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeRowWriter;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.execution.datasources.text.TextFileFormat;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import scala.Function1;
import scala.Option;
import scala.collection.AbstractIterator;
import scala.collection.Iterator;
import scala.collection.Seq;
import scala.collection.immutable.Map;
import scala.runtime.AbstractFunction1;

/**
 * Spark's text format with one more column: the byte offset where each line starts in its file.
 * Files are split and read in parallel as with {@code text} (the same Hadoop line reader, the same
 * line separators: {@code \n}, {@code \r\n}, {@code \r}); for a compressed file the offset counts
 * uncompressed bytes. Batch and streaming reads name it by class: {@code
 * format(LineOffsets.class.getName()).schema(LineOffsets.SCHEMA)}, the schema given because Spark
 * infers a streaming schema only for its own text format.
 */
public final class LineOffsets extends TextFileFormat {
  /** The line, as the text format's {@code value}. */
  public static final String VALUE = "value";

  /** The byte offset in its file where the line starts. */
  public static final String OFFSET = "_lambda_line_offset";

  /** The first line of the line's file, in {@link #HEADER_OPTION} mode. */
  public static final String HEADER = "_lambda_file_header";

  /**
   * With {@code option(HEADER_OPTION, "true")} each file's first line is not a row: every other
   * line carries it as {@link #HEADER} (a split in the middle of a file reads it from the file's
   * start), so a CSV line can be read by its own file's column names, in batch and streaming alike.
   */
  public static final String HEADER_OPTION = "lambdaFileHeader";

  /** The columns read: the line and its offset. */
  public static final StructType SCHEMA =
      new StructType()
          .add(VALUE, DataTypes.StringType, false)
          .add(OFFSET, DataTypes.LongType, false);

  /** The columns read in {@link #HEADER_OPTION} mode: the line, its offset, its file's header. */
  public static final StructType SCHEMA_WITH_HEADER =
      SCHEMA.add(HEADER, DataTypes.StringType, true);

  @Override
  public String shortName() {
    return "lambda-line-offsets";
  }

  @Override
  public String toString() {
    return "LineOffsets";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof LineOffsets;
  }

  @Override
  public int hashCode() {
    return LineOffsets.class.hashCode();
  }

  @Override
  public Option<StructType> inferSchema(
      SparkSession spark, Map<String, String> options, Seq<FileStatus> files) {
    return Option.apply(SCHEMA);
  }

  @Override
  public boolean supportDataType(DataType type) {
    return type.equals(DataTypes.StringType) || type.equals(DataTypes.LongType);
  }

  @Override
  public Function1<PartitionedFile, Iterator<InternalRow>> buildReader(
      SparkSession spark,
      StructType dataSchema,
      StructType partitionSchema,
      StructType requiredSchema,
      Seq<Filter> filters,
      Map<String, String> options,
      Configuration hadoopConf) {
    StructField[] required = requiredSchema.fields();
    int[] columns = new int[required.length];
    for (int i = 0; i < required.length; i++) {
      String name = required[i].name();
      columns[i] =
          name.equals(OFFSET)
              ? Lines.OFFSET_COLUMN
              : name.equals(HEADER) ? Lines.HEADER_COLUMN : Lines.VALUE_COLUMN;
    }
    Option<String> headerOption = options.get(HEADER_OPTION);
    boolean header = headerOption.isDefined() && "true".equalsIgnoreCase(headerOption.get());
    Broadcast<SerializableConfiguration> conf =
        JavaSparkContext.fromSparkContext(spark.sparkContext())
            .broadcast(new SerializableConfiguration(hadoopConf));
    return new Reader(conf, columns, header);
  }

  /** Opens one split of a file on an executor. */
  private static final class Reader
      extends AbstractFunction1<PartitionedFile, Iterator<InternalRow>> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Broadcast<SerializableConfiguration> conf;
    private final int[] columns;
    private final boolean header;

    Reader(Broadcast<SerializableConfiguration> conf, int[] columns, boolean header) {
      this.conf = conf;
      this.columns = columns;
      this.header = header;
    }

    @Override
    public Iterator<InternalRow> apply(PartitionedFile file) {
      LineRecordReader lines = open(file, file.start(), file.length());
      TaskContext task = TaskContext.get();
      if (task != null) {
        task.addTaskCompletionListener(
            (org.apache.spark.util.TaskCompletionListener) context -> close(lines));
      }
      return new Lines(lines, columns, file.urlEncodedPath(), header ? firstLine(file) : null);
    }

    private LineRecordReader open(PartitionedFile file, long start, long length) {
      FileSplit split = new FileSplit(file.toPath(), start, length, new String[0]);
      TaskAttemptID attempt = new TaskAttemptID(new TaskID(new JobID(), TaskType.MAP, 0), 0);
      LineRecordReader lines = new LineRecordReader();
      try {
        lines.initialize(split, new TaskAttemptContextImpl(conf.value().value(), attempt));
      } catch (IOException e) {
        close(lines);
        throw new UncheckedIOException("cannot open " + file.urlEncodedPath(), e);
      }
      return lines;
    }

    /**
     * The file's first line (its byte-order mark skipped, as Hadoop's line reader does), or "" for
     * an empty file.
     */
    private byte[] firstLine(PartitionedFile file) {
      LineRecordReader first = open(file, 0, 1);
      try {
        if (!first.nextKeyValue()) {
          return new byte[0];
        }
        Text line = first.getCurrentValue();
        return java.util.Arrays.copyOf(line.getBytes(), line.getLength());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the first line of " + file.urlEncodedPath(), e);
      } finally {
        close(first);
      }
    }

    private static void close(LineRecordReader lines) {
      try {
        lines.close();
      } catch (IOException e) {
        // closing after the last line; nothing was lost
      }
    }
  }

  /**
   * The lines of one split as rows of the required columns, written as Spark's text format does
   * into one reused row that the scan copies before asking for the next.
   */
  private static final class Lines extends AbstractIterator<InternalRow> {
    static final int VALUE_COLUMN = 0;
    static final int OFFSET_COLUMN = 1;
    static final int HEADER_COLUMN = 2;

    private final LineRecordReader lines;
    private final int[] columns;
    private final String file;
    private final byte[] header; // null: no header mode
    private final UnsafeRowWriter row;
    private boolean fetched;
    private boolean more;

    Lines(LineRecordReader lines, int[] columns, String file, byte[] header) {
      this.lines = lines;
      this.columns = columns;
      this.file = file;
      this.header = header;
      this.row = new UnsafeRowWriter(columns.length);
    }

    @Override
    public boolean hasNext() {
      while (!fetched) {
        try {
          more = lines.nextKeyValue();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + file, e);
        }
        // In header mode the file's first line names the columns: it is no row of its own.
        fetched = !more || header == null || lines.getCurrentKey().get() != 0;
      }
      return more;
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException("no line left in " + file);
      }
      fetched = false;
      row.reset();
      row.zeroOutNullBytes();
      for (int i = 0; i < columns.length; i++) {
        if (columns[i] == OFFSET_COLUMN) {
          row.write(i, lines.getCurrentKey().get());
        } else if (columns[i] == HEADER_COLUMN) {
          row.write(
              i, header == null ? new byte[0] : header, 0, header == null ? 0 : header.length);
        } else {
          Text line = lines.getCurrentValue();
          row.write(i, line.getBytes(), 0, line.getLength());
        }
      }
      return row.getRow();
    }
  }
}

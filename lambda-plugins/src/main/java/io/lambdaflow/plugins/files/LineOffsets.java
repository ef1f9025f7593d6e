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

  /** The columns read: the line and its offset. */
  public static final StructType SCHEMA =
      new StructType()
          .add(VALUE, DataTypes.StringType, false)
          .add(OFFSET, DataTypes.LongType, false);

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
    boolean[] offsetAt = new boolean[requiredSchema.fields().length];
    StructField[] required = requiredSchema.fields();
    for (int i = 0; i < required.length; i++) {
      offsetAt[i] = required[i].name().equals(OFFSET);
    }
    Broadcast<SerializableConfiguration> conf =
        JavaSparkContext.fromSparkContext(spark.sparkContext())
            .broadcast(new SerializableConfiguration(hadoopConf));
    return new Reader(conf, offsetAt);
  }

  /** Opens one split of a file on an executor. */
  private static final class Reader
      extends AbstractFunction1<PartitionedFile, Iterator<InternalRow>> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Broadcast<SerializableConfiguration> conf;
    private final boolean[] offsetAt;

    Reader(Broadcast<SerializableConfiguration> conf, boolean[] offsetAt) {
      this.conf = conf;
      this.offsetAt = offsetAt;
    }

    @Override
    public Iterator<InternalRow> apply(PartitionedFile file) {
      FileSplit split = new FileSplit(file.toPath(), file.start(), file.length(), new String[0]);
      TaskAttemptID attempt = new TaskAttemptID(new TaskID(new JobID(), TaskType.MAP, 0), 0);
      LineRecordReader lines = new LineRecordReader();
      try {
        lines.initialize(split, new TaskAttemptContextImpl(conf.value().value(), attempt));
      } catch (IOException e) {
        close(lines);
        throw new UncheckedIOException("cannot open " + file.urlEncodedPath(), e);
      }
      TaskContext task = TaskContext.get();
      if (task != null) {
        task.addTaskCompletionListener(
            (org.apache.spark.util.TaskCompletionListener) context -> close(lines));
      }
      return new Lines(lines, offsetAt, file.urlEncodedPath());
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
    private final LineRecordReader lines;
    private final boolean[] offsetAt;
    private final String file;
    private final UnsafeRowWriter row;
    private boolean fetched;
    private boolean more;

    Lines(LineRecordReader lines, boolean[] offsetAt, String file) {
      this.lines = lines;
      this.offsetAt = offsetAt;
      this.file = file;
      this.row = new UnsafeRowWriter(offsetAt.length);
    }

    @Override
    public boolean hasNext() {
      if (!fetched) {
        try {
          more = lines.nextKeyValue();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + file, e);
        }
        fetched = true;
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
      for (int i = 0; i < offsetAt.length; i++) {
        if (offsetAt[i]) {
          row.write(i, lines.getCurrentKey().get());
        } else {
          Text line = lines.getCurrentValue();
          row.write(i, line.getBytes(), 0, line.getLength());
        }
      }
      return row.getRow();
    }
  }
}

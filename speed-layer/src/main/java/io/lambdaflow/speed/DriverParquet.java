package io.lambdaflow.speed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.TaskAttemptID;
import org.apache.hadoop.mapreduce.TaskType;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.execution.SQLExecution;
import org.apache.spark.sql.execution.datasources.DataSourceUtils;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.SchemaUtils;
import scala.Function0;
import scala.Option;
import scala.collection.JavaConverters;
import scala.collection.immutable.Map$;

/**
 * A small dataset's rows collected to the driver and written there as one Parquet file, by Spark's
 * own Parquet writer (the same schema conversion, encodings and options as {@code
 * Dataset.write().parquet(...)}), without a write job: no commit protocol, no file per task.
 */
final class DriverParquet {
  private DriverParquet() {}

  /**
   * Replaces {@code folder} with one Parquet file of {@code data}'s rows (none when it has no
   * rows); returns how many rows were written.
   */
  static long write(Dataset<Row> data, Path folder, String action) {
    SparkSession session = data.sparkSession();
    QueryExecution execution = data.queryExecution();
    // The written schema as Spark's writer takes it: the optimized plan's (nullability included),
    // checked as it checks it (duplicate names, types Parquet cannot hold, invalid field names).
    StructType schema = execution.optimizedPlan().schema();
    ParquetFileFormat format = new ParquetFileFormat();
    SchemaUtils.checkColumnNameDuplication(
        JavaConverters.asScalaBuffer(Arrays.asList(schema.fieldNames())).toSeq(),
        session.sessionState().conf().caseSensitiveAnalysis());
    DataSourceUtils.verifySchema(format, schema);
    DataSourceUtils.checkFieldNames(format, schema);
    Function0<InternalRow[]> collect = () -> execution.executedPlan().executeCollect();
    InternalRow[] rows = SQLExecution.withNewExecutionId(execution, Option.apply(action), collect);
    try {
      Configuration conf = session.sessionState().newHadoopConf();
      FileSystem fs = folder.getFileSystem(conf);
      fs.delete(folder, true);
      fs.mkdirs(folder);
      if (rows.length == 0) {
        return 0;
      }
      Job job = Job.getInstance(conf);
      OutputWriterFactory factory = format.prepareWrite(session, job, Map$.MODULE$.empty(), schema);
      TaskAttemptContext context =
          new TaskAttemptContextImpl(
              job.getConfiguration(), new TaskAttemptID("lambda", 0, TaskType.MAP, 0, 0));
      Path file =
          new Path(folder, "part-00000-" + UUID.randomUUID() + factory.getFileExtension(context));
      OutputWriter writer = factory.newInstance(file.toString(), schema, context);
      try {
        for (InternalRow row : rows) {
          writer.write(row);
        }
      } finally {
        writer.close();
      }
      return rows.length;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + folder, e);
    }
  }
}

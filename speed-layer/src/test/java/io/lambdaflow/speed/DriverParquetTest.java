package io.lambdaflow.speed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.testkit.TestSpark;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A speed view's micro-batch written by the driver reads back as Spark's own writer's would. */
class DriverParquetTest {
  private static final String ROWS =
      "SELECT * FROM VALUES"
          + " (1, 'a', CAST(NULL AS STRING), 1.5D, DATE'2026-12-05',"
          + "  TIMESTAMP'2026-12-05 01:02:03.456', array(1, 2), map('k', 'v'),"
          + "  named_struct('a', 1, 'b', 'x'), CAST('bytes' AS BINARY), 12.30BD, true, 7L),"
          + " (2, '漢字', 'tab\\there', CAST('NaN' AS DOUBLE), NULL, NULL, array(), map(),"
          + "  CAST(NULL AS STRUCT<a: INT, b: STRING>), NULL, -0.01BD, NULL, NULL)"
          + " AS t(id, text, other, d, day, ts, arr, m, s, bin, dec, flag, n)";

  @TempDir java.nio.file.Path dir;

  @Test
  void rowsAndSchemaReadBackAsSparksWriterWritesThem() {
    SparkSession spark = TestSpark.session();
    for (String query :
        List.of(
            ROWS,
            // an aggregate, as a view's micro-batch often is (non-nullable count, a shuffle)
            "SELECT text, count(*) AS events, sum(id) AS total FROM (" + ROWS + ") GROUP BY text",
            "SELECT id, CAST(id AS STRING) AS s FROM range(5000)",
            // an outer join the optimizer makes inner: v is nullable as analyzed, not as written
            "SELECT r.v FROM VALUES (1) AS l(k) LEFT JOIN VALUES (1, 10) AS r(k, v)"
                + " ON l.k = r.k WHERE r.v > 0")) {
      Dataset<Row> data = spark.sql(query);
      java.nio.file.Path byDriver = dir.resolve("driver-" + query.hashCode());
      java.nio.file.Path byTasks = dir.resolve("tasks-" + query.hashCode());
      long written = DriverParquet.write(data, new Path(byDriver.toString()), "test");
      data.write().parquet(byTasks.toString());

      Dataset<Row> read = spark.read().parquet(byDriver.toString());
      Dataset<Row> expected = spark.read().parquet(byTasks.toString());
      assertThat(read.schema()).isEqualTo(expected.schema());
      // Spark reads every column back as nullable: the files' own schemas, as written
      assertThat(footer(byDriver)).isEqualTo(footer(byTasks));
      assertThat(sorted(read)).isEqualTo(sorted(expected)).hasSize((int) written);
      assertThat(parquetFiles(byDriver)).hasSize(1);
    }
  }

  @Test
  void replacesWhatTheFolderHeldAndWritesNoFileForNoRows() throws Exception {
    SparkSession spark = TestSpark.session();
    java.nio.file.Path folder = dir.resolve("batch=3.tmp");
    Path target = new Path(folder.toString());
    assertThat(DriverParquet.write(spark.sql("SELECT 1 AS a"), target, "test")).isEqualTo(1);
    Files.writeString(folder.resolve("left-over.parquet"), "from an attempt that crashed");

    assertThat(DriverParquet.write(spark.sql("SELECT 2 AS a"), target, "test")).isEqualTo(1);
    assertThat(parquetFiles(folder)).hasSize(1);
    assertThat(spark.read().parquet(folder.toString()).collectAsList().toString())
        .isEqualTo("[[2]]");

    assertThat(DriverParquet.write(spark.sql("SELECT 3 AS a WHERE false"), target, "test"))
        .isZero();
    assertThat(Files.isDirectory(folder)).isTrue();
    assertThat(parquetFiles(folder)).isEmpty();
  }

  @Test
  void refusesWhatSparksWriterRefuses() {
    SparkSession spark = TestSpark.session();
    Dataset<Row> duplicate = spark.sql("SELECT 1 AS a, 2 AS A");
    Throwable bySpark =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> duplicate.write().parquet(dir.resolve("spark").toString()));
    assertThatThrownBy(
            () -> DriverParquet.write(duplicate, new Path(dir.resolve("d").toString()), "test"))
        .hasMessage(bySpark.getMessage());
  }

  /** The schema and Spark's row metadata in the footer of a folder's one Parquet file. */
  private static List<String> footer(java.nio.file.Path folder) {
    java.nio.file.Path file =
        parquetFiles(folder).stream()
            .filter(f -> !f.getFileName().toString().startsWith("."))
            .findFirst()
            .orElseThrow();
    try (ParquetFileReader reader =
        ParquetFileReader.open(
            HadoopInputFile.fromPath(
                new Path(file.toString()), new org.apache.hadoop.conf.Configuration()))) {
      FileMetaData meta = reader.getFooter().getFileMetaData();
      return List.of(
          meta.getSchema().toString(),
          meta.getKeyValueMetaData().get("org.apache.spark.sql.parquet.row.metadata"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Each row as JSON (binary as base64, maps and NaN included), sorted. */
  private static List<String> sorted(Dataset<Row> data) {
    return data.selectExpr("to_json(struct(*))").collectAsList().stream()
        .map(r -> r.getString(0))
        .sorted()
        .toList();
  }

  private static List<java.nio.file.Path> parquetFiles(java.nio.file.Path folder) {
    try (Stream<java.nio.file.Path> files = Files.list(folder)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".parquet")).toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

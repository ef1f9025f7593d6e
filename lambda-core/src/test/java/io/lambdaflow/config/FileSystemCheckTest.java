package io.lambdaflow.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.spi.ExecutionMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A path whose scheme no file system serves is a problem at validation, naming the key and the fix
 * (this module's tests have no S3 connector on the classpath, as a user without hadoop-aws).
 */
class FileSystemCheckTest {
  @TempDir Path dir;

  private List<String> problems(String text) throws Exception {
    Path file = dir.resolve("p.conf");
    Files.writeString(file, text);
    try {
      TestPlugins.loader().load(file, Map.of(), Set.of(ExecutionMode.BATCH));
    } catch (ConfigurationException e) {
      return e.problems().stream().map(p -> p.toString().replace(dir + "/", "")).toList();
    }
    return List.of();
  }

  @Test
  void everyPathsSchemeMustBeServed() throws Exception {
    assertThat(
            problems(
                """
                layers = [batch]
                storage-root = "s3://lake/lambda"
                sources { events { type = memory, rows = 1 } }
                sinks {
                  out { type = out, path = "s3a://lake/out" }
                  also { type = out, path = "gs://lake/out" }
                  local { type = out, path = "file:///tmp/out" }
                  hdfs { type = out, path = "hdfs://127.0.0.1:8020/out" }
                }
                dead-letter { type = out, path = dl }
                """))
        .containsExactly(
            "p.conf:2: storage-root: no Hadoop file system serves 's3://' paths; write s3a://"
                + " (Hadoop's S3 connector) instead",
            "p.conf:5: sinks.out.path: 's3a://' paths need a file system that is not on the"
                + " classpath (Class"
                + " org.apache.hadoop.fs.s3a.S3AFileSystem not found); add"
                + " org.apache.hadoop:hadoop-aws:3.3.4 and com.amazonaws:aws-java-sdk-bundle:1.12.262"
                + " (--jars, or your build's dependencies)",
            "p.conf:6: sinks.also.path: no Hadoop file system serves 'gs://' paths here; put its"
                + " connector on the classpath (--jars: com.google.cloud.bigdataoss:gcs-connector"
                + " (hadoop3)) or set spark.conf \"spark.hadoop.fs.gs.impl\"");
  }
}

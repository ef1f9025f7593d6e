package io.lambdaflow.batch;

import io.lambdaflow.pipeline.ContractSettings;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.SourceNode;
import io.lambdaflow.views.Published;
import io.lambdaflow.views.ViewStore;
import java.io.IOException;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the master dataset ({@code <database>.master_<source>}, partitioned by run and any
 * declared columns) and each published batch view ({@code <database>.<view>}) as external Parquet
 * tables in the session's catalog: the Hive metastore when the session has Hive support (Derby
 * embedded, or the {@code thrift://} metastore configured), so Spark SQL, Presto or Trino can query
 * them. Dropping such a table never deletes its files.
 */
final class MetastoreRegistrar {
  private static final Logger LOG = LoggerFactory.getLogger(MetastoreRegistrar.class);

  private final SparkSession spark;
  private final Pipeline pipeline;
  private final ViewStore store;

  MetastoreRegistrar(SparkSession spark, Pipeline pipeline, ViewStore store) {
    this.spark = spark;
    this.pipeline = pipeline;
    this.store = store;
  }

  void register(Published published) {
    ContractSettings.Metastore metastore = pipeline.contract().metastore();
    if (!metastore.enabled()) {
      return;
    }
    String database = quote(metastore.database());
    try {
      spark.sql("CREATE DATABASE IF NOT EXISTS " + database);
      for (SourceNode source : pipeline.sources()) {
        Path master = qualified(store.master(source.name()));
        if (!master.getFileSystem(store.hadoop()).exists(master)) {
          continue;
        }
        String table = database + "." + quote("master_" + source.name());
        spark.sql(
            "CREATE TABLE IF NOT EXISTS " + table + " USING parquet LOCATION '" + master + "'");
        spark.sql("ALTER TABLE " + table + " RECOVER PARTITIONS");
        spark.sql("REFRESH TABLE " + table);
      }
      for (Map.Entry<String, Published.BatchView> view : published.views().entrySet()) {
        String table = database + "." + quote(view.getKey());
        Path location = qualified(new Path(view.getValue().path()));
        spark.sql("DROP TABLE IF EXISTS " + table);
        spark.sql("CREATE TABLE " + table + " USING parquet LOCATION '" + location + "'");
      }
    } catch (Exception e) { // Spark throws checked AnalysisException undeclared
      throw new PipelineRunException(
          "run "
              + published.run()
              + " published its views, but registering them in the metastore ("
              + (metastore.uri().isEmpty() ? "embedded" : metastore.uri())
              + ", database "
              + metastore.database()
              + ") failed: "
              + PipelineRunException.firstLine(e)
              + " (metastore.enabled = false skips registration)",
          e);
    }
    LOG.info(
        "registered the master dataset and {} view(s) in database {} ({} catalog)",
        published.views().size(),
        metastore.database(),
        spark.conf().get("spark.sql.catalogImplementation", "in-memory"));
  }

  private Path qualified(Path path) throws IOException {
    FileSystem fs = path.getFileSystem(store.hadoop());
    return fs.makeQualified(path);
  }

  private static String quote(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }
}

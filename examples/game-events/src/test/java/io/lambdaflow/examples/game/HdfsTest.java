package io.lambdaflow.examples.game;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.batch.BatchLayer;
import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.ingest.IngestService;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.serving.ServingLayer;
import io.lambdaflow.testkit.TestServices;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch layer with its storage root on HDFS (Hadoop's mini-cluster, a real NameNode and
 * DataNode): the master dataset and views land there, the purchases table reads back through the
 * metastore as the seed does with Presto, and the DuckDB engine serves from a local copy.
 */
@ExtendWith(TestServices.class)
class HdfsTest {
  private static EmbeddedKafka kafka;
  private static MiniDFSCluster hdfs;
  private static SparkSession spark;

  @TempDir static Path dir;

  @BeforeAll
  static void start(EmbeddedKafka broker, SparkSession session) throws Exception {
    kafka = broker;
    kafka.createTopic("events", 1);
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
    hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    hdfs.waitActive();
    spark = session;
  }

  @AfterAll
  static void stop() {
    if (hdfs != null) {
      hdfs.shutdown();
    }
  }

  @Test
  void batchRunOnHdfsRegistersPurchasesThatSparkSqlReadsBack() throws Exception {
    String root = "hdfs://127.0.0.1:" + hdfs.getNameNodePort() + "/lambda";
    Pipeline pipeline =
        GameEventsEndToEndTest.pipeline(
            kafka.bootstrapServers(),
            Map.of(
                "storage-root",
                root,
                "metastore.database",
                "game_hdfs",
                "metastore.derby-path",
                dir.resolve("metastore_db").toString(),
                "serving.cache-dir",
                dir.resolve("cache").toString()));
    LoadGenerator.Result sent;
    try (IngestService api = GameEventsEndToEndTest.api(kafka.bootstrapServers(), "events")) {
      sent = LoadGenerator.run(api.url(), GameEventsEndToEndTest.HOSTS, 200, 0, 4, 3);
    }
    new BatchLayer(spark).run(pipeline);

    // hadoop fs -ls
    FileSystem fs =
        FileSystem.get(java.net.URI.create(root), spark.sparkContext().hadoopConfiguration());
    List<String> runs =
        Arrays.stream(
                fs.listStatus(new org.apache.hadoop.fs.Path(root + "/master/game-events/events")))
            .map(FileStatus::getPath)
            .map(org.apache.hadoop.fs.Path::getName)
            .toList();
    assertThat(runs).contains("_lambda_run=1");
    assertThat(spark.sql("DESCRIBE EXTENDED game_hdfs.purchases").collectAsList().toString())
        .contains(root + "/views/game-events/purchases/run=1");

    Map<String, Long> expected = new TreeMap<>(sent.byHost("purchase_sword"));
    expected.values().removeIf(n -> n == 0);
    Map<String, Long> fromMetastore = new TreeMap<>();
    spark
        .sql("SELECT host, COUNT(*) FROM game_hdfs.purchases GROUP BY host")
        .collectAsList()
        .forEach(r -> fromMetastore.put(r.getString(0), r.getLong(1)));
    assertThat(fromMetastore).isEqualTo(expected);
    assertThat(spark.sql("SELECT COUNT(*) FROM game_hdfs.master_events").first().getLong(0))
        .isEqualTo(200);

    try (ServingLayer serving =
        ServingLayer.withDuckDb(pipeline, spark.sparkContext().hadoopConfiguration())) {
      serving.refresh();
      assertThat(GameEventsEndToEndTest.perHost(serving, "purchases")).isEqualTo(expected);
    }
  }
}

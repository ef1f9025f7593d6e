package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.engine.EngineFactory;
import io.lambdaflow.views.ViewStoreFactory;
import java.time.Duration;
import java.util.Map;

/**
 * Settings of the lambda contract's master dataset, serving layer and metastore registration.
 *
 * @param masterPartitions extra partition columns of each source's master dataset: source name to
 *     (column name to Spark SQL expression over the source's records)
 * @param serving how {@code lambda serve} serves the views
 * @param metastore where batch runs register the master dataset and batch views as tables
 * @param store where the master dataset, batch views, speed views and published horizons live
 */
public record ContractSettings(
    Map<String, Map<String, String>> masterPartitions,
    Serving serving,
    Metastore metastore,
    PluginChoice<ViewStoreFactory> store) {

  public ContractSettings {
    masterPartitions = Map.copyOf(masterPartitions);
    requireNonNull(serving, "serving is null");
    requireNonNull(metastore, "metastore is null");
    requireNonNull(store, "store is null");
  }

  /**
   * The serving layer.
   *
   * @param engine the query engine plugin with its options: built in, {@code duckdb} (embedded, low
   *     latency, views that fit one machine) and {@code spark} (Spark SQL, for views larger than
   *     one machine)
   * @param host the address the HTTP API binds to
   * @param port its port; 0 picks a free one
   * @param refreshInterval how often new batch publishes and speed output are picked up
   * @param cacheDir where remote (HDFS, S3) view files are copied for the embedded engine; empty
   *     for a temporary directory
   * @param maxRows the most rows one answer returns
   * @param queryTimeout how long one query may run before it is cancelled
   * @param maxConcurrentQueries queries (and lookups) answered at once; more wait, then get 503
   * @param idleTimeout how long an HTTP client may send nothing before it is disconnected
   * @param token the bearer token every request must carry; empty for none (loopback only)
   * @param tlsKeystore a PKCS12/JKS keystore to serve HTTPS with; empty for plain HTTP (loopback
   *     only)
   * @param tlsKeystorePassword its password
   * @param retainSuperseded how long batch view versions and speed micro-batches stay on disk after
   *     a newer publish supersedes them, for serving processes still reading them
   * @param memoryLimit the most memory, in bytes, the DuckDB engine uses (views and queries)
   */
  public record Serving(
      PluginChoice<EngineFactory> engine,
      String host,
      int port,
      Duration refreshInterval,
      String cacheDir,
      int maxRows,
      Duration queryTimeout,
      int maxConcurrentQueries,
      Duration idleTimeout,
      String token,
      String tlsKeystore,
      String tlsKeystorePassword,
      Duration retainSuperseded,
      long memoryLimit) {
    public Serving {
      requireNonNull(engine, "engine is null");
      requireNonNull(host, "host is null");
      requireNonNull(refreshInterval, "refreshInterval is null");
      requireNonNull(cacheDir, "cacheDir is null");
      requireNonNull(queryTimeout, "queryTimeout is null");
      requireNonNull(idleTimeout, "idleTimeout is null");
      requireNonNull(token, "token is null");
      requireNonNull(tlsKeystore, "tlsKeystore is null");
      requireNonNull(tlsKeystorePassword, "tlsKeystorePassword is null");
      requireNonNull(retainSuperseded, "retainSuperseded is null");
      if (memoryLimit <= 0) {
        throw new IllegalArgumentException("memoryLimit must be positive, got " + memoryLimit);
      }
    }

    @Override
    public String toString() {
      return "Serving[engine="
          + engine
          + ", host="
          + host
          + ", port="
          + port
          + ", token="
          + (token.isEmpty() ? "none" : "<redacted>")
          + ", tlsKeystore="
          + tlsKeystore
          + "]";
    }
  }

  /**
   * The metastore.
   *
   * @param enabled whether batch runs register tables
   * @param uri a {@code thrift://} URI of a Hive metastore; empty for Spark's embedded Derby one
   * @param database the database the tables go in
   * @param derbyPath where the embedded Derby metastore keeps its files (a local directory)
   * @param warehouse Spark's warehouse directory
   */
  public record Metastore(
      boolean enabled, String uri, String database, String derbyPath, String warehouse) {
    public Metastore {
      requireNonNull(uri, "uri is null");
      requireNonNull(database, "database is null");
      requireNonNull(derbyPath, "derbyPath is null");
      requireNonNull(warehouse, "warehouse is null");
    }
  }
}

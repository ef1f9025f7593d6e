package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.views.StoreContext;
import io.lambdaflow.views.ViewStore;
import io.lambdaflow.views.ViewStoreFactory;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * A validated pipeline: every plugin found and configured, every input defined, no cycles.
 * Transforms are in an order where each comes after its inputs.
 *
 * @param name the pipeline's name
 * @param layers the layers it runs in
 * @param storageRoot where the framework keeps the pipeline's data (a path or Hadoop URI)
 * @param spark how to start Spark
 * @param speed how the speed layer runs
 * @param embeddedKafka whether the launcher starts a Kafka broker first
 * @param embeddedPostgres whether the launcher starts a PostgreSQL server first
 * @param embeddedS3 whether the launcher starts an S3 API server first
 * @param sources the sources, in file order
 * @param transforms the transforms, each after its inputs
 * @param sinks the sinks, in file order
 * @param deadLetter where rejected records go
 * @param views the views of the lambda contract (none: batch runs are plain runs over what the
 *     sources hold, without a master dataset)
 * @param contract master dataset, serving and metastore settings
 * @param ingest the HTTP ingest routes ({@code lambda ingest FILE})
 * @param schedule when batch runs fire ({@code lambda schedule FILE}, {@code lambda airflow FILE})
 * @param metrics where the speed and scheduled batch layers serve Prometheus metrics
 * @param effectiveConfig the merged configuration, secrets redacted, for logs
 */
public record Pipeline(
    String name,
    Set<ExecutionMode> layers,
    String storageRoot,
    SparkSettings spark,
    SpeedSettings speed,
    EmbeddedKafkaSettings embeddedKafka,
    EmbeddedPostgresSettings embeddedPostgres,
    EmbeddedS3Settings embeddedS3,
    List<SourceNode> sources,
    List<TransformNode> transforms,
    List<SinkNode> sinks,
    SinkNode deadLetter,
    List<ViewNode> views,
    ContractSettings contract,
    IngestSettings ingest,
    ScheduleSettings schedule,
    MetricsSettings metrics,
    String effectiveConfig) {

  public Pipeline {
    requireNonNull(name, "name is null");
    layers = Set.copyOf(layers);
    requireNonNull(storageRoot, "storageRoot is null");
    requireNonNull(spark, "spark is null");
    requireNonNull(speed, "speed is null");
    requireNonNull(embeddedKafka, "embeddedKafka is null");
    requireNonNull(embeddedPostgres, "embeddedPostgres is null");
    requireNonNull(embeddedS3, "embeddedS3 is null");
    sources = List.copyOf(sources);
    transforms = List.copyOf(transforms);
    sinks = List.copyOf(sinks);
    requireNonNull(deadLetter, "deadLetter is null");
    views = List.copyOf(views);
    requireNonNull(contract, "contract is null");
    requireNonNull(ingest, "ingest is null");
    requireNonNull(schedule, "schedule is null");
    requireNonNull(metrics, "metrics is null");
    requireNonNull(effectiveConfig, "effectiveConfig is null");
  }

  /** The sources of facts: all but the dimensions, in file order. */
  public List<SourceNode> facts() {
    return sources.stream().filter(s -> !s.dimension()).toList();
  }

  /** The dimension sources ({@code dimension = true}), in file order. */
  public List<SourceNode> dimensions() {
    return sources.stream().filter(SourceNode::dimension).toList();
  }

  public Optional<SourceNode> source(String sourceName) {
    return sources.stream().filter(s -> s.name().equals(sourceName)).findFirst();
  }

  public Optional<ViewNode> view(String viewName) {
    return views.stream().filter(v -> v.name().equals(viewName)).findFirst();
  }

  /** Whether batch runs keep a master dataset and publish views (the pipeline declares views). */
  public boolean hasViews() {
    return !views.isEmpty();
  }

  /** This pipeline with another view store: a store under test, or one wrapped to inject faults. */
  public Pipeline withStore(PluginChoice<ViewStoreFactory> store) {
    return new Pipeline(
        name,
        layers,
        storageRoot,
        spark,
        speed,
        embeddedKafka,
        embeddedPostgres,
        embeddedS3,
        sources,
        transforms,
        sinks,
        deadLetter,
        views,
        new ContractSettings(
            contract.masterPartitions(), contract.serving(), contract.metastore(), store),
        ingest,
        schedule,
        metrics,
        effectiveConfig);
  }

  /** This pipeline with other sinks and dead-letter sink: {@code lambda test} captures them. */
  public Pipeline withSinks(List<SinkNode> otherSinks, SinkNode otherDeadLetter) {
    return new Pipeline(
        name,
        layers,
        storageRoot,
        spark,
        speed,
        embeddedKafka,
        embeddedPostgres,
        embeddedS3,
        sources,
        transforms,
        otherSinks,
        otherDeadLetter,
        views,
        contract,
        ingest,
        schedule,
        metrics,
        effectiveConfig);
  }

  /** Opens the pipeline's view store ({@code store { type = ... }}) with {@code hadoop}. */
  public ViewStore openStore(Configuration hadoop) {
    PluginChoice<ViewStoreFactory> store = contract.store();
    return store.factory().open(store.options(), new StoreContext(storageRoot, name, hadoop));
  }

  /** The sinks {@code mode}'s layer writes ({@code layers = [...]} in a sink's block). */
  public List<SinkNode> sinksIn(ExecutionMode mode) {
    return sinks.stream().filter(s -> s.writtenIn(mode)).toList();
  }

  public Optional<SinkNode> sink(String sinkName) {
    return sinks.stream().filter(s -> s.name().equals(sinkName)).findFirst();
  }
}

package io.lambdaflow.serving;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.engine.Engine;
import io.lambdaflow.engine.EngineFactory;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.pipeline.ContractSettings;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PluginChoice;
import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.registry.PluginKind;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.views.MergeSql;
import io.lambdaflow.views.ViewStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a pipeline's views: each view is its published batch view (horizon H) merged with the
 * speed view's rows past H, as {@link MergeSql} defines, on an {@link Engine}. {@link #refresh()}
 * picks up a new publish or new speed micro-batches; {@link #start} does so on a schedule. Queries
 * always see one consistent refresh.
 */
public final class ServingLayer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServingLayer.class);

  private final Pipeline pipeline;
  private final ViewStore store;
  private final Engine engine;
  private final MergeSql sql;
  private final ServingCache cache;

  /** What {@link #views()} answers: replaced whole after each refresh, read without a lock. */
  private volatile List<ViewState> served = List.of();

  /** Held to read (queries) or to change (a refresh) the engine's relations and their states. */
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(true);

  private final ViewRefresh views;

  private ScheduledExecutorService refresher;

  /** Set by {@link #close}: a refresh that was waiting for the lock then does nothing. */
  private boolean closed;

  /**
   * Serves {@code pipeline} with the engine its {@code serving.engine} names; a Spark session is
   * started (by {@code spark}) only if that engine asks for one.
   */
  public static ServingLayer open(
      Pipeline pipeline, Supplier<SparkSession> spark, Configuration hadoop) {
    return new ServingLayer(pipeline, pipeline.contract().serving().engine(), spark, hadoop);
  }

  /** Serves {@code pipeline} with the built-in DuckDB engine, whatever its file says. */
  public static ServingLayer withDuckDb(Pipeline pipeline, Configuration hadoop) {
    return new ServingLayer(pipeline, builtIn(pipeline, "duckdb"), SparkSession::active, hadoop);
  }

  /** Serves {@code pipeline} with Spark SQL on {@code spark}, whatever its file says. */
  public static ServingLayer withSpark(Pipeline pipeline, SparkSession spark) {
    return new ServingLayer(
        pipeline,
        builtIn(pipeline, "spark"),
        () -> spark,
        spark.sparkContext().hadoopConfiguration());
  }

  private static PluginChoice<EngineFactory> builtIn(Pipeline pipeline, String name) {
    PluginChoice<EngineFactory> chosen = pipeline.contract().serving().engine();
    if (chosen.type().equals(name)) {
      return chosen;
    }
    EngineFactory factory =
        PluginRegistry.discover(ServingLayer.class.getClassLoader())
            .find(PluginKind.ENGINE, name)
            .map(EngineFactory.class::cast)
            .orElseThrow(() -> new IllegalStateException("no serving engine named " + name));
    return new PluginChoice<>(
        name, factory, new PluginConfig(name, factory.options(), java.util.Map.of()));
  }

  private ServingLayer(
      Pipeline pipeline,
      PluginChoice<EngineFactory> engine,
      Supplier<SparkSession> spark,
      Configuration hadoop) {
    this.pipeline = requireNonNull(pipeline, "pipeline is null");
    if (!pipeline.hasViews()) {
      throw new IllegalArgumentException(
          "pipeline '" + pipeline.name() + "' declares no views, so there is nothing to serve");
    }
    this.store = pipeline.openStore(hadoop);
    this.cache = new ServingCache(pipeline.contract().serving().cacheDir(), store.hadoop());
    Engine created = null;
    try {
      created = engine.factory().create(engine.options(), cache.engineContext(pipeline, spark));
      this.sql = new MergeSql(created::quote);
      this.views =
          new ViewRefresh(pipeline, store, created, sql, cache, lock, states -> served = states);
    } catch (RuntimeException | Error e) {
      try (ServingCache temporary = cache;
          Engine opened = created) {
        throw e; // the engine closed and the temporary folder deleted: no one else would
      }
    }
    this.engine = created;
  }

  /** The Hadoop configuration its view store reads with. */
  public org.apache.hadoop.conf.Configuration hadoop() {
    return store.hadoop();
  }

  public Pipeline pipeline() {
    return pipeline;
  }

  public Engine engine() {
    return engine;
  }

  /** Refreshes now, then every {@code serving.refresh-interval}. */
  public synchronized void start() {
    refresh();
    long millis = pipeline.contract().serving().refreshInterval().toMillis();
    refresher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "lambda-serving-refresh");
              thread.setDaemon(true);
              return thread;
            });
    refresher.scheduleWithFixedDelay(
        () -> {
          try {
            refresh();
          } catch (RuntimeException e) {
            LOG.warn("serving refresh failed, serving the previous state: {}", e.getMessage());
          }
        },
        millis,
        millis,
        TimeUnit.MILLISECONDS);
  }

  /**
   * Loads what changed since the last refresh: a newly published batch view, speed micro-batches
   * added or pruned. Returns whether anything changed.
   */
  public synchronized boolean refresh() {
    return !closed && views.refresh();
  }

  /**
   * The relation holding a view's batch part (the published batch view, in its shape), queryable
   * like the view: {@code purchases__batch}.
   */
  public static String batchPart(String view) {
    return view + "__batch";
  }

  /**
   * The relation holding a view's speed part: its rows past the horizon, or for an aggregate view
   * their partial aggregates in the batch view's shape: {@code purchases__speed}.
   */
  public static String speedPart(String view) {
    return view + "__speed";
  }

  /**
   * The relation lookups by key read (not queryable by users): an aggregate view's rows kept merged
   * as a table where the engine {@linkplain Engine#maintainsTables() maintains tables}, otherwise
   * as one aggregation of both parts, which the engine filters by key before aggregating.
   */
  static String byKey(String view) {
    return view + "__by_key";
  }

  /**
   * Each view as served now, in declared order; views with no data yet are absent. Never waits for
   * a refresh in progress.
   */
  public List<ViewState> views() {
    return served;
  }

  public Optional<ViewState> view(String name) {
    return served.stream().filter(s -> s.view().name().equals(name)).findFirst();
  }

  /**
   * The rows of {@code view} whose columns equal the given values (all rows when none are given).
   *
   * @throws IllegalArgumentException for a column the view cannot be looked up by
   * @throws java.util.NoSuchElementException for an unknown view or one with no data yet
   */
  public QueryResult lookup(String viewName, Map<String, String> keys, int limit) {
    return lookupAnswer(viewName, keys, limit).result();
  }

  /** {@link #lookup}, with what the answer covers. */
  public Answer lookupAnswer(String viewName, Map<String, String> keys, int limit) {
    ViewNode view =
        pipeline
            .view(viewName)
            .orElseThrow(
                () ->
                    new java.util.NoSuchElementException(
                        "no view named '"
                            + viewName
                            + "'; views: "
                            + pipeline.views().stream().map(ViewNode::name).toList()));
    ViewState state =
        view(viewName)
            .orElseThrow(
                () ->
                    new java.util.NoSuchElementException(
                        "view '"
                            + viewName
                            + "' has no data yet: no batch run has published it and the speed"
                            + " layer has written none of it"));
    List<String> allowed = view.keys().isEmpty() ? state.columns() : view.keys();
    String relation = view.kind() == ViewNode.Kind.AGGREGATE ? byKey(viewName) : viewName;
    StringBuilder query = new StringBuilder("SELECT * FROM ").append(engine.quote(relation));
    List<Object> parameters = new ArrayList<>();
    for (Map.Entry<String, String> key : keys.entrySet()) {
      if (!allowed.contains(key.getKey())) {
        throw new IllegalArgumentException(
            "view '"
                + viewName
                + "' is not looked up by '"
                + key.getKey()
                + "'; its keys are "
                + allowed);
      }
      query
          .append(parameters.isEmpty() ? " WHERE " : " AND ")
          .append(engine.quote(key.getKey()))
          .append(" = ?");
      parameters.add(key.getValue());
    }
    ContractSettings.Serving settings = pipeline.contract().serving();
    int max = Math.max(1, Math.min(limit, settings.maxRows()));
    return answer(() -> engine.query(query.toString(), parameters, max, settings.queryTimeout()));
  }

  /**
   * Runs one read-only SQL query over the served views, by name: the engine's own parser decides
   * whether it is one query reading only the views ({@link Engine#checkQuery}), then it runs where
   * it cannot write, within {@code serving.query-timeout} and {@code serving.max-rows}.
   *
   * @throws IllegalArgumentException saying why the query is refused, failed or timed out
   */
  public QueryResult query(String text) {
    return answer(text).result();
  }

  /** {@link #query}, with what the answer covers. */
  public Answer answer(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("no query given: send one SELECT statement");
    }
    engine.checkQuery(text, queryableRelations());
    ContractSettings.Serving settings = pipeline.contract().serving();
    return answer(() -> engine.query(text, List.of(), settings.maxRows(), settings.queryTimeout()));
  }

  private Answer answer(java.util.function.Supplier<QueryResult> query) {
    lock.readLock().lock();
    try {
      Map<String, Map<String, Map<String, Long>>> covers = new LinkedHashMap<>();
      served.forEach(state -> covers.put(state.view().name(), state.coverage()));
      return new Answer(query.get(), covers);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The relations a query may read: each served view and its batch and speed parts. */
  public Set<String> queryableRelations() {
    Set<String> names = new LinkedHashSet<>();
    for (ViewState state : served) {
      String name = state.view().name();
      names.add(name);
      names.add(batchPart(name));
      names.add(speedPart(name));
    }
    return names;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (refresher != null) {
      refresher.shutdownNow();
    }
    try {
      engine.close();
    } finally {
      cache.close();
    }
  }
}

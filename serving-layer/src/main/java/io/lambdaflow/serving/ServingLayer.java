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
import io.lambdaflow.views.Published;
import io.lambdaflow.views.SpeedBatch;
import io.lambdaflow.views.ViewStore;
import java.time.Instant;
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
import java.util.concurrent.atomic.AtomicLong;
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
  private final Map<String, ViewState> states = new LinkedHashMap<>();

  /** What {@link #views()} answers: replaced whole after each refresh, read without a lock. */
  private volatile List<ViewState> served = List.of();

  /** Held to read (queries) or to change (a refresh) the engine's relations and their states. */
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(true);

  private final Map<String, List<String>> relations = new LinkedHashMap<>();
  private final Map<String, SpeedRows.Load> speedLoads = new LinkedHashMap<>();
  private final AtomicLong generation = new AtomicLong();

  private ScheduledExecutorService refresher;

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
    this.engine = engine.factory().create(engine.options(), cache.engineContext(pipeline, spark));
    this.sql = new MergeSql(this.engine::quote);
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
    Published published = store.published();
    List<Engine.Change> changes = new ArrayList<>();
    List<String> obsolete = new ArrayList<>();
    Map<String, ViewState> next = new LinkedHashMap<>();
    long gen = generation.incrementAndGet();
    String horizonTable = "__lambda_horizon_" + published.run();
    boolean horizonLoaded = relations.values().stream().anyMatch(r -> r.contains(horizonTable));
    boolean horizonNeeded = false;
    Map<String, List<String>> relationsBefore = new LinkedHashMap<>();
    relations.forEach((k, v) -> relationsBefore.put(k, List.copyOf(v)));
    Map<String, SpeedRows.Load> nextLoads = new LinkedHashMap<>();
    for (ViewNode view : pipeline.views()) {
      ViewState previous = states.get(view.name());
      List<SpeedBatch> speed =
          store.speedBatches(view.name()).stream().filter(b -> !b.coveredBy(published)).toList();
      if (previous != null
          && previous.published().run() == published.run()
          && previous.sameSpeedBatches(speed)) {
        next.put(view.name(), previous);
        if (speedLoads.containsKey(view.name())) {
          nextLoads.put(view.name(), speedLoads.get(view.name()));
        }
        continue;
      }
      Optional<Published.BatchView> batch = published.view(view.name());
      List<String> columns =
          batch
              .map(Published.BatchView::columns)
              .or(() -> speed.stream().findFirst().map(SpeedBatch::columns))
              .orElse(List.of());
      List<String> viewRelations = new ArrayList<>();
      String batchTable = null;
      if (batch.isPresent()) {
        batchTable = "__lambda_b_" + view.name() + "_" + published.run();
        boolean loaded = relations.getOrDefault(view.name(), List.of()).contains(batchTable);
        if (!loaded) {
          List<String> files = files(batch.get().path());
          if (files.isEmpty()) {
            batchTable = null; // an empty batch view: Spark wrote no data files
          } else {
            changes.add(new Engine.ParquetTable(batchTable, files, view.keys()));
          }
        }
        if (batchTable != null) {
          viewRelations.add(batchTable);
        }
      }
      String speedPart = null;
      Optional<SpeedRows.Load> load =
          SpeedRows.plan(
              view,
              speedLoads.get(view.name()),
              speed,
              published,
              horizonTable,
              changes,
              this::files);
      if (load.isPresent()) {
        nextLoads.put(view.name(), load.get());
        String rows = SpeedRows.relation(view.name());
        speedPart = "__lambda_sp_" + view.name() + "_" + gen;
        horizonNeeded = true;
        changes.add(
            new Engine.QueryTable(speedPart, sql.speedPart(view, columns, engine.quote(rows))));
        viewRelations.add(rows);
        viewRelations.add(speedPart);
      }
      if (batchTable == null && speedPart == null) {
        obsolete.addAll(relations.getOrDefault(view.name(), List.of()));
        relations.remove(view.name());
        continue;
      }
      String either = engine.quote(batchTable != null ? batchTable : speedPart);
      changes.add(
          new Engine.View(
              batchPart(view.name()),
              batchTable != null
                  ? sql.part(view, columns, engine.quote(batchTable), false)
                  : sql.part(view, columns, either, true)));
      changes.add(
          new Engine.View(
              speedPart(view.name()),
              speedPart != null
                  ? sql.part(view, columns, engine.quote(speedPart), false)
                  : sql.part(view, columns, either, true)));
      changes.add(
          new Engine.View(
              view.name(),
              sql.merged(
                  view,
                  columns,
                  batchTable == null ? null : engine.quote(batchTable),
                  speedPart == null ? null : engine.quote(speedPart))));
      for (String old : relations.getOrDefault(view.name(), List.of())) {
        if (!viewRelations.contains(old)) {
          obsolete.add(old);
        }
      }
      relations.put(view.name(), viewRelations);
      next.put(
          view.name(),
          new ViewState(
              view,
              MergeSql.servedColumns(view, columns),
              published,
              speed,
              batch.map(Published.BatchView::rows).orElse(0L),
              -1,
              Instant.now()));
    }
    if (changes.isEmpty() && obsolete.isEmpty()) {
      return false;
    }
    if (horizonNeeded && !horizonLoaded) {
      changes.add(0, new Engine.HorizonTable(horizonTable, SpeedRows.horizonRows(published)));
      List<String> horizons = relations.computeIfAbsent("", k -> new ArrayList<>());
      obsolete.addAll(horizons);
      horizons.clear();
      horizons.add(horizonTable);
    }
    obsolete.forEach(o -> changes.add(new Engine.Drop(o)));
    // Queries see the engine and the state describing it change together (see coverage()).
    lock.writeLock().lock();
    try {
      applyAndPublish(changes, relationsBefore, nextLoads, next);
    } finally {
      lock.writeLock().unlock();
    }
    LOG.info(
        "serving: refreshed to batch run {} and {} speed micro-batch(es)",
        published.run(),
        next.values().stream().mapToInt(s -> s.speedBatches().size()).sum());
    return true;
  }

  private void applyAndPublish(
      List<Engine.Change> changes,
      Map<String, List<String>> relationsBefore,
      Map<String, SpeedRows.Load> nextLoads,
      Map<String, ViewState> next) {
    try {
      engine.apply(changes);
    } catch (RuntimeException e) {
      relations.clear();
      relations.putAll(relationsBefore);
      throw e;
    }
    speedLoads.clear();
    speedLoads.putAll(nextLoads);
    for (Map.Entry<String, ViewState> entry : next.entrySet()) {
      ViewState state = entry.getValue();
      if (state.speedRows() < 0) {
        long speedRows = 0;
        List<String> parts = relations.get(entry.getKey());
        String speedRowsTable =
            parts.stream().filter(r -> r.startsWith("__lambda_sr_")).findFirst().orElse(null);
        if (speedRowsTable != null) {
          Object value =
              engine
                  .query(
                      "SELECT COUNT(*) FROM " + engine.quote(speedRowsTable),
                      List.of(),
                      1,
                      java.time.Duration.ofMinutes(10))
                  .rows()
                  .get(0)
                  .get(0);
          speedRows = ((Number) value).longValue();
        }
        entry.setValue(
            new ViewState(
                state.view(),
                state.columns(),
                state.published(),
                state.speedBatches(),
                state.batchRows(),
                speedRows,
                state.refreshedAt()));
      }
    }
    states.clear();
    states.putAll(next);
    served = List.copyOf(states.values());
  }

  /** The local paths the engine reads a stored view's data files by. */
  private List<String> files(String path) {
    return cache.local(engine, store.parquetFiles(path));
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
    StringBuilder query = new StringBuilder("SELECT * FROM ").append(engine.quote(viewName));
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
    if (refresher != null) {
      refresher.shutdownNow();
    }
    engine.close();
    cache.close();
  }
}

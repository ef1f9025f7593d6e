package io.lambdaflow.serving;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.spi.Horizon;
import io.lambdaflow.views.LambdaStore;
import io.lambdaflow.views.MergeSql;
import io.lambdaflow.views.Published;
import io.lambdaflow.views.SpeedBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
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

  /** What one view is served from right now. */
  public record ViewState(
      ViewNode view,
      List<String> columns,
      Published published,
      List<SpeedBatch> speedBatches,
      long batchRows,
      long speedRows,
      Instant refreshedAt) {

    /** When the newest data it serves was written: the latest speed batch, or the publish. */
    public Instant dataAsOf() {
      Instant latest = published.run() == 0 ? Instant.EPOCH : published.publishedAt();
      for (SpeedBatch batch : speedBatches) {
        if (batch.writtenAt().isAfter(latest)) {
          latest = batch.writtenAt();
        }
      }
      return latest;
    }
  }

  private final Pipeline pipeline;
  private final LambdaStore store;
  private final Engine engine;
  private final MergeSql sql;
  private final java.nio.file.Path cache;
  private final Map<String, ViewState> states = new LinkedHashMap<>();
  private final Map<String, List<String>> relations = new LinkedHashMap<>();
  private final Map<String, SpeedLoad> speedLoads = new LinkedHashMap<>();
  private final AtomicLong generation = new AtomicLong();

  /** The speed micro-batches a view's speed rows hold, loaded under horizon run {@code run}. */
  private record SpeedLoad(
      long run, Map<Long, SpeedBatch> batches, Map<Long, List<String>> files) {}

  private ScheduledExecutorService refresher;

  /** Serves {@code pipeline} with the embedded DuckDB engine. */
  public static ServingLayer withDuckDb(Pipeline pipeline, Configuration hadoop) {
    return new ServingLayer(pipeline, cache -> duckdb(pipeline, cache), hadoop);
  }

  /** Serves {@code pipeline} with Spark SQL on {@code spark}. */
  public static ServingLayer withSpark(Pipeline pipeline, org.apache.spark.sql.SparkSession spark) {
    return new ServingLayer(
        pipeline, cache -> new SparkEngine(spark), spark.sparkContext().hadoopConfiguration());
  }

  private ServingLayer(
      Pipeline pipeline,
      java.util.function.Function<java.nio.file.Path, Engine> engines,
      Configuration hadoop) {
    this.pipeline = requireNonNull(pipeline, "pipeline is null");
    if (!pipeline.hasViews()) {
      throw new IllegalArgumentException(
          "pipeline '" + pipeline.name() + "' declares no views, so there is nothing to serve");
    }
    this.store = new LambdaStore(pipeline.storageRoot(), pipeline.name(), hadoop);
    String cacheDir = pipeline.contract().serving().cacheDir();
    try {
      this.cache =
          cacheDir.isEmpty()
              ? Files.createTempDirectory("lambda-serving-")
              : Files.createDirectories(java.nio.file.Path.of(cacheDir));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the serving cache " + cacheDir, e);
    }
    this.engine = engines.apply(cache);
    this.sql = new MergeSql(engine::quote);
  }

  /** A DuckDB engine allowed to read the pipeline's storage root (if local) and the cache. */
  private static Engine duckdb(Pipeline pipeline, java.nio.file.Path cache) {
    List<String> allowed = new ArrayList<>();
    allowed.add(cache.toAbsolutePath().toString());
    Path root = new Path(pipeline.storageRoot());
    if (root.toUri().getScheme() == null || "file".equals(root.toUri().getScheme())) {
      allowed.add(java.nio.file.Path.of(root.toUri().getPath()).toAbsolutePath().toString());
    }
    return new DuckDbEngine(allowed);
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
    Map<String, SpeedLoad> nextLoads = new LinkedHashMap<>();
    for (ViewNode view : pipeline.views()) {
      ViewState previous = states.get(view.name());
      List<SpeedBatch> speed =
          store.speedBatches(view.name()).stream().filter(b -> !b.coveredBy(published)).toList();
      if (previous != null
          && previous.published().run() == published.run()
          && sameBatches(previous.speedBatches(), speed)) {
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
          List<String> files = local(store.parquetFiles(batch.get().path()));
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
      SpeedLoad load = speedLoad(view, speed, published, horizonTable, changes);
      if (load != null) {
        nextLoads.put(view.name(), load);
        String rows = speedRows(view.name());
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
      changes.add(0, new Engine.HorizonTable(horizonTable, horizonRows(published)));
      List<String> horizons = relations.computeIfAbsent("", k -> new ArrayList<>());
      obsolete.addAll(horizons);
      horizons.clear();
      horizons.add(horizonTable);
    }
    obsolete.forEach(o -> changes.add(new Engine.Drop(o)));
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
                  .query("SELECT COUNT(*) FROM " + engine.quote(speedRowsTable), List.of(), 1)
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
    LOG.info(
        "serving: refreshed to batch run {} and {} speed micro-batch(es)",
        published.run(),
        next.values().stream().mapToInt(s -> s.speedBatches().size()).sum());
    return true;
  }

  /**
   * The change that brings {@code view}'s speed rows up to {@code speed}: only micro-batches added
   * or replaced since the last refresh are read, pruned ones removed; after a new publish (a new
   * horizon) every one is read again. Returns the speed rows now loaded, or null if there are none.
   */
  private SpeedLoad speedLoad(
      ViewNode view,
      List<SpeedBatch> speed,
      Published published,
      String horizonTable,
      List<Engine.Change> changes) {
    SpeedLoad loaded = speedLoads.get(view.name());
    boolean rebuild = loaded == null || loaded.run() != published.run();
    Map<Long, SpeedBatch> batches = new LinkedHashMap<>();
    Map<Long, List<String>> files = new LinkedHashMap<>();
    List<Engine.SpeedFiles> added = new ArrayList<>();
    List<Long> removed = new ArrayList<>();
    for (SpeedBatch batch : speed) {
      SpeedBatch before = rebuild ? null : loaded.batches().get(batch.batchId());
      List<String> batchFiles;
      if (before != null && before.writtenAt().equals(batch.writtenAt())) {
        batchFiles = loaded.files().get(batch.batchId());
      } else {
        batchFiles = local(store.parquetFiles(batch.path()));
        if (before != null) {
          removed.add(batch.batchId()); // replayed: its rows are replaced
        }
        if (!batchFiles.isEmpty()) {
          added.add(new Engine.SpeedFiles(batch.batchId(), batchFiles));
        }
      }
      if (!batchFiles.isEmpty()) {
        batches.put(batch.batchId(), batch);
        files.put(batch.batchId(), batchFiles);
      }
    }
    if (!rebuild) {
      loaded.batches().keySet().stream()
          .filter(id -> !batches.containsKey(id))
          .forEach(removed::add);
    }
    if (batches.isEmpty()) {
      return null;
    }
    List<Engine.SpeedFiles> all = new ArrayList<>();
    files.forEach((id, f) -> all.add(new Engine.SpeedFiles(id, f)));
    changes.add(
        new Engine.SpeedRows(
            speedRows(view.name()),
            horizonTable,
            all,
            added,
            removed.stream().distinct().toList(),
            rebuild));
    return new SpeedLoad(published.run(), batches, files);
  }

  /** The relation holding a view's speed rows past the horizon. */
  private static String speedRows(String view) {
    return "__lambda_sr_" + view;
  }

  private static List<Engine.HorizonRow> horizonRows(Published published) {
    List<Engine.HorizonRow> rows = new ArrayList<>();
    for (Map.Entry<String, Horizon> source : published.horizons().entrySet()) {
      source
          .getValue()
          .ends()
          .forEach((part, end) -> rows.add(new Engine.HorizonRow(source.getKey(), part, end)));
    }
    return rows;
  }

  private static boolean sameBatches(List<SpeedBatch> a, List<SpeedBatch> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i).batchId() != b.get(i).batchId()
          || !Objects.equals(a.get(i).writtenAt(), b.get(i).writtenAt())) {
        return false;
      }
    }
    return true;
  }

  /** Local paths of {@code files}: as they are on a local file system, else copied to the cache. */
  private List<String> local(List<String> files) {
    List<String> local = new ArrayList<>();
    for (String file : files) {
      Path path = new Path(file);
      String scheme = path.toUri().getScheme();
      if (scheme == null || scheme.equals("file") || engine instanceof SparkEngine) {
        local.add(engine instanceof SparkEngine ? file : path.toUri().getPath());
        continue;
      }
      java.nio.file.Path copy =
          cache
              .resolve(scheme + "/" + Objects.requireNonNullElse(path.toUri().getAuthority(), ""))
              .resolve(path.toUri().getPath().substring(1));
      try {
        if (!Files.exists(copy)) {
          Files.createDirectories(copy.getParent());
          FileSystem fs = path.getFileSystem(store.hadoop());
          fs.copyToLocalFile(false, path, new Path(copy.toUri()), true);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot copy " + file + " to the serving cache", e);
      }
      local.add(copy.toString());
    }
    return local;
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

  /** Each view as served now, in declared order; views with no data yet are absent. */
  public synchronized List<ViewState> views() {
    return List.copyOf(states.values());
  }

  public synchronized Optional<ViewState> view(String name) {
    return Optional.ofNullable(states.get(name));
  }

  /**
   * The rows of {@code view} whose columns equal the given values (all rows when none are given).
   *
   * @throws IllegalArgumentException for a column the view cannot be looked up by
   * @throws java.util.NoSuchElementException for an unknown view or one with no data yet
   */
  public QueryResult lookup(String viewName, Map<String, String> keys, int limit) {
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
    int max = Math.min(limit, pipeline.contract().serving().maxRows());
    return engine.query(query.toString(), parameters, max);
  }

  /** Runs a read-only SQL query over the served views. */
  public QueryResult query(String text) {
    return engine.query(
        ReadOnlyQuery.check(text), List.of(), pipeline.contract().serving().maxRows());
  }

  @Override
  public synchronized void close() {
    if (refresher != null) {
      refresher.shutdownNow();
    }
    engine.close();
  }
}

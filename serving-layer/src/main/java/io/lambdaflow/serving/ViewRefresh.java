package io.lambdaflow.serving;

import io.lambdaflow.engine.Engine;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.views.MergeSql;
import io.lambdaflow.views.Published;
import io.lambdaflow.views.SpeedBatch;
import io.lambdaflow.views.ViewStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving layer's refresh: which relations the engine holds for each view, what changed in the
 * view store since the last refresh, and the changes that bring the engine up to date, applied and
 * published together under the serving layer's write lock.
 */
final class ViewRefresh {
  private static final Logger LOG = LoggerFactory.getLogger(ServingLayer.class);

  /** The start of a speed part's relation name: the view's speed rows aggregated, per refresh. */
  private static final String SPEED_PART = "__lambda_sp_";

  private final Pipeline pipeline;
  private final ViewStore store;
  private final Engine engine;
  private final MergeSql sql;
  private final ServingCache cache;
  private final ReentrantReadWriteLock lock;
  private final Consumer<List<ViewState>> publish;
  private final Map<String, ViewState> states = new LinkedHashMap<>();
  private final Map<String, List<String>> relations = new LinkedHashMap<>();
  private final Map<String, SpeedRows.Load> speedLoads = new LinkedHashMap<>();
  private final AtomicLong generation = new AtomicLong();

  /** Whether the refresh under way has committed its changes to the engine. */
  private boolean committed;

  /**
   * @param lock held to change the engine's relations (queries hold it to read)
   * @param publish told the views as served after each refresh that changed something
   */
  ViewRefresh(
      Pipeline pipeline,
      ViewStore store,
      Engine engine,
      MergeSql sql,
      ServingCache cache,
      ReentrantReadWriteLock lock,
      Consumer<List<ViewState>> publish) {
    this.pipeline = pipeline;
    this.store = store;
    this.engine = engine;
    this.sql = sql;
    this.cache = cache;
    this.lock = lock;
    this.publish = publish;
  }

  /**
   * Loads what changed since the last refresh: a newly published batch view, speed micro-batches
   * added or pruned. Returns whether anything changed.
   */
  boolean refresh() {
    Map<String, List<String>> relationsBefore = new LinkedHashMap<>();
    relations.forEach((k, v) -> relationsBefore.put(k, List.copyOf(v)));
    committed = false;
    try {
      return refreshFrom(relationsBefore);
    } catch (RuntimeException e) {
      if (!committed) {
        // Nothing changed in the engine: the relations it holds are those from before.
        relations.clear();
        relations.putAll(relationsBefore);
      }
      throw e;
    }
  }

  private boolean refreshFrom(Map<String, List<String>> relationsBefore) {
    Published published = store.published();
    List<Engine.Change> changes = new ArrayList<>();
    List<String> obsolete = new ArrayList<>();
    Map<String, ViewState> next = new LinkedHashMap<>();
    long gen = generation.incrementAndGet();
    String horizonTable = "__lambda_horizon_" + published.run();
    boolean horizonLoaded = relations.values().stream().anyMatch(r -> r.contains(horizonTable));
    boolean horizonNeeded = false;
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
        speedPart = SPEED_PART + view.name() + "_" + gen;
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
              ServingLayer.batchPart(view.name()),
              batchTable != null
                  ? sql.part(view, columns, engine.quote(batchTable), false)
                  : sql.part(view, columns, either, true)));
      changes.add(
          new Engine.View(
              ServingLayer.speedPart(view.name()),
              speedPart != null
                  ? sql.part(view, columns, engine.quote(speedPart), false)
                  : sql.part(view, columns, either, true)));
      String batchRelation = batchTable == null ? null : engine.quote(batchTable);
      String speedRelation = speedPart == null ? null : engine.quote(speedPart);
      String merged;
      String byKey = sql.mergedByKey(view, columns, batchRelation, speedRelation);
      if (engine.maintainsTables()
          && view.kind() == ViewNode.Kind.AGGREGATE
          && !view.keys().isEmpty()
          && batchTable != null
          && speedPart != null) {
        String table = maintainedMerge(view, columns, batchTable, speedPart, published, changes);
        viewRelations.add(table);
        merged = "SELECT * FROM " + engine.quote(table);
        byKey = merged;
      } else if (engine.servesBatchRowsApart()) {
        merged = sql.merged(view, columns, batchRelation, speedRelation);
      } else {
        merged = byKey;
      }
      changes.add(new Engine.View(view.name(), merged));
      if (view.kind() == ViewNode.Kind.AGGREGATE) {
        changes.add(new Engine.View(ServingLayer.byKey(view.name()), byKey));
      }
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
    applyAndPublish(changes, nextLoads, next);
    LOG.info(
        "serving: refreshed to batch run {} and {} speed micro-batch(es)",
        published.run(),
        next.values().stream().mapToInt(s -> s.speedBatches().size()).sum());
    return true;
  }

  /**
   * Adds the change that keeps {@code view}, merged, as a table for the batch view of run {@code
   * published}: built once per batch run, then updated for the keys of the speed parts before and
   * now. Returns the table's name.
   */
  private String maintainedMerge(
      ViewNode view,
      List<String> columns,
      String batchTable,
      String speedPart,
      Published published,
      List<Engine.Change> changes) {
    String table = "__lambda_m_" + view.name() + "_" + published.run();
    List<String> before = relations.getOrDefault(view.name(), List.of());
    String speedBefore =
        before.contains(table)
            ? before.stream().filter(r -> r.startsWith(SPEED_PART)).findFirst().orElse(null)
            : null;
    String batch = engine.quote(batchTable);
    String speed = engine.quote(speedPart);
    changes.add(
        new Engine.MaintainedTable(
            table,
            sql.merged(view, columns, batch, speed),
            view.keys(),
            speedBefore == null
                ? Optional.empty()
                : sql.mergedUpdate(
                    view, columns, engine.quote(table), batch, engine.quote(speedBefore), speed)));
    return table;
  }

  private void applyAndPublish(
      List<Engine.Change> changes,
      Map<String, SpeedRows.Load> nextLoads,
      Map<String, ViewState> next) {
    // Queries see the engine and the state describing it change together (see coverage()): the
    // engine's commit and the publishing happen under the write lock.
    engine.apply(
        changes,
        commit -> {
          lock.writeLock().lock();
          try {
            commit.run();
            committed = true;
            publishServed(nextLoads, next);
          } finally {
            lock.writeLock().unlock();
          }
        });
  }

  /** Publishes the views as the engine now serves them, their speed rows counted. */
  private void publishServed(Map<String, SpeedRows.Load> nextLoads, Map<String, ViewState> next) {
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
    publish.accept(List.copyOf(states.values()));
  }

  /** The local paths the engine reads a stored view's data files by. */
  private List<String> files(String path) {
    return cache.local(engine, store.parquetFiles(path));
  }
}

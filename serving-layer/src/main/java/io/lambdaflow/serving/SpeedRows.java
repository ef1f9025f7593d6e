package io.lambdaflow.serving;

import io.lambdaflow.engine.Engine;
import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.spi.Horizon;
import io.lambdaflow.views.Published;
import io.lambdaflow.views.SpeedBatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * How the serving layer keeps a view's speed rows (its speed micro-batches past the horizon) loaded
 * in the engine: incrementally while the horizon stays, all again after a new publish.
 */
final class SpeedRows {
  private SpeedRows() {}

  /** The speed micro-batches a view's speed rows hold, loaded under horizon run {@code run}. */
  record Load(long run, Map<Long, SpeedBatch> batches, Map<Long, List<String>> files) {}

  /** The relation holding a view's speed rows past the horizon. */
  static String relation(String view) {
    return "__lambda_sr_" + view;
  }

  /**
   * Adds to {@code changes} the change that brings {@code view}'s speed rows from {@code loaded} up
   * to {@code speed}: only micro-batches added or replaced since are read ({@code files} gives a
   * stored batch's data files), pruned ones removed; after a new publish (a new horizon) every one
   * is read again. Returns the speed rows then loaded, if there are any.
   */
  static Optional<Load> plan(
      ViewNode view,
      Load loaded,
      List<SpeedBatch> speed,
      Published published,
      String horizonTable,
      List<Engine.Change> changes,
      Function<String, List<String>> files) {
    boolean rebuild = loaded == null || loaded.run() != published.run();
    Map<Long, SpeedBatch> batches = new LinkedHashMap<>();
    Map<Long, List<String>> batchFiles = new LinkedHashMap<>();
    List<Engine.SpeedFiles> added = new ArrayList<>();
    List<Long> removed = new ArrayList<>();
    for (SpeedBatch batch : speed) {
      SpeedBatch before = rebuild ? null : loaded.batches().get(batch.batchId());
      List<String> these;
      if (before != null && before.writtenAt().equals(batch.writtenAt())) {
        these = loaded.files().get(batch.batchId());
      } else {
        these = files.apply(batch.path());
        if (before != null) {
          removed.add(batch.batchId()); // replayed: its rows are replaced
        }
        if (!these.isEmpty()) {
          added.add(new Engine.SpeedFiles(batch.batchId(), these));
        }
      }
      if (!these.isEmpty()) {
        batches.put(batch.batchId(), batch);
        batchFiles.put(batch.batchId(), these);
      }
    }
    if (!rebuild) {
      loaded.batches().keySet().stream()
          .filter(id -> !batches.containsKey(id))
          .forEach(removed::add);
    }
    if (batches.isEmpty()) {
      return Optional.empty();
    }
    List<Engine.SpeedFiles> all = new ArrayList<>();
    batchFiles.forEach((id, f) -> all.add(new Engine.SpeedFiles(id, f)));
    changes.add(
        new Engine.SpeedRows(
            relation(view.name()),
            horizonTable,
            all,
            added,
            removed.stream().distinct().toList(),
            rebuild));
    return Optional.of(new Load(published.run(), batches, batchFiles));
  }

  /** The published horizon as rows: source, partition, end. */
  static List<Engine.HorizonRow> horizonRows(Published published) {
    List<Engine.HorizonRow> rows = new ArrayList<>();
    for (Map.Entry<String, Horizon> source : published.horizons().entrySet()) {
      source
          .getValue()
          .ends()
          .forEach((part, end) -> rows.add(new Engine.HorizonRow(source.getKey(), part, end)));
    }
    return rows;
  }
}

package io.lambdaflow.testkit;

import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.PluginChoice;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.views.Published;
import io.lambdaflow.views.SpeedBatch;
import io.lambdaflow.views.StoreContext;
import io.lambdaflow.views.ViewStore;
import io.lambdaflow.views.ViewStoreFactory;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A view store under test with a process "killed" at the two atomic steps of the lambda contract:
 * the next {@code n} publishes, or the next {@code n} micro-batch commits, fail before anything
 * becomes visible, as a process killed right there would leave the store.
 */
public final class FaultyStore implements ViewStore {
  private final ViewStore store;
  private final Faults faults;

  private FaultyStore(ViewStore store, Faults faults) {
    this.store = store;
    this.faults = faults;
  }

  /**
   * How many of the next publishes and micro-batch commits fail: before the step ({@code
   * publishes}, {@code commits}), or right after the commit, as a process killed between the commit
   * and its checkpoint would ({@code afterCommits}; the replay commits the batch again).
   */
  public static final class Faults {
    public final AtomicInteger publishes = new AtomicInteger();
    public final AtomicInteger commits = new AtomicInteger();
    public final AtomicInteger afterCommits = new AtomicInteger();
  }

  /** A pipeline whose store fails as its {@code faults} say. */
  public record Faulty(Pipeline pipeline, Faults faults) {}

  /** {@code pipeline} with its store wrapped; every layer that opens it shares the faults. */
  public static Faulty wrap(Pipeline pipeline) {
    PluginChoice<ViewStoreFactory> original = pipeline.contract().store();
    Faults faults = new Faults();
    ViewStoreFactory wrapped =
        new ViewStoreFactory() {
          @Override
          public String name() {
            return original.type();
          }

          @Override
          public String description() {
            return original.factory().description() + ", with injected faults";
          }

          @Override
          public Options options() {
            return original.factory().options();
          }

          @Override
          public ViewStore open(PluginConfig options, StoreContext context) {
            return new FaultyStore(original.factory().open(options, context), faults);
          }
        };
    return new Faulty(
        pipeline.withStore(new PluginChoice<>(original.type(), wrapped, original.options())),
        faults);
  }

  private static void failIf(AtomicInteger counter, String what) {
    if (counter.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IllegalStateException("injected fault: killed before " + what);
    }
  }

  @Override
  public void publish(Published published) {
    failIf(faults.publishes, "publishing run " + published.run());
    store.publish(published);
  }

  @Override
  public void commitSpeedBatch(String view, SpeedBatch batch) {
    failIf(faults.commits, "committing micro-batch " + batch.batchId() + " of " + view);
    store.commitSpeedBatch(view, batch);
    if (faults.afterCommits.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IllegalStateException(
          "injected fault: killed after committing micro-batch " + batch.batchId() + " of " + view);
    }
  }

  @Override
  public Configuration hadoop() {
    return store.hadoop();
  }

  @Override
  public Path master(String source) {
    return store.master(source);
  }

  @Override
  public Path masterRun(String source, long run) {
    return store.masterRun(source, run);
  }

  @Override
  public Path batchView(String view, long run) {
    return store.batchView(view, run);
  }

  @Override
  public Path speedView(String view) {
    return store.speedView(view);
  }

  @Override
  public Published published() {
    return store.published();
  }

  @Override
  public Optional<Published> publishedAsOf(Instant cutoff) {
    return store.publishedAsOf(cutoff);
  }

  @Override
  public void delete(Path path) {
    store.delete(path);
  }

  @Override
  public void dropViewVersionsBefore(String view, long keepFrom) {
    store.dropViewVersionsBefore(view, keepFrom);
  }

  @Override
  public Path speedBatchAside(String view, long batchId) {
    return store.speedBatchAside(view, batchId);
  }

  @Override
  public void dropSpeedBatch(String view, long batchId) {
    store.dropSpeedBatch(view, batchId);
  }

  @Override
  public List<SpeedBatch> speedBatches(String view) {
    return store.speedBatches(view);
  }

  @Override
  public int pruneSpeed(String view, Published published) {
    return store.pruneSpeed(view, published);
  }

  @Override
  public List<String> parquetFiles(String folder) {
    return store.parquetFiles(folder);
  }
}

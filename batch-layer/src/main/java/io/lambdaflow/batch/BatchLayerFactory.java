package io.lambdaflow.batch;

import io.lambdaflow.layer.Layer;
import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import java.util.Optional;

/**
 * The built-in layer {@code batch} ({@code lambda batch FILE}): one bounded run, its summary
 * printed.
 */
public final class BatchLayerFactory implements LayerFactory {
  static final ConfigOption<Boolean> RECOMPUTE =
      ConfigOption.optional(
          "recompute",
          OptionTypes.bool(),
          false,
          "Read no source; rebuild every batch view from the master dataset and publish them.");

  /** Shared with the schedule layer, whose runs are this layer's. */
  public static final ConfigOption<Boolean> ACCEPT_GAP =
      ConfigOption.optional(
          "accept-gap",
          OptionTypes.bool(),
          false,
          "Go on when Kafka no longer holds records since the last run (retention removed them).");

  @Override
  public String name() {
    return "batch";
  }

  @Override
  public String description() {
    return "one bounded run: sources read up to a horizon, the master dataset appended, views"
        + " recomputed and published, a summary whose counts add up";
  }

  @Override
  public Options options() {
    return Options.of(RECOMPUTE, ACCEPT_GAP);
  }

  @Override
  public Optional<ExecutionMode> mode() {
    return Optional.of(ExecutionMode.BATCH);
  }

  @Override
  public boolean continuous() {
    return false;
  }

  @Override
  public Layer create(LayerContext context) {
    BatchLayer.RunOptions options =
        new BatchLayer.RunOptions(
            context.options().get(RECOMPUTE), context.options().get(ACCEPT_GAP));
    return new Layer() {
      @Override
      public void start() {
        RunSummary summary = new BatchLayer(context.spark().get()).run(context.pipeline(), options);
        context.out().print(summary.render());
      }

      @Override
      public void await() {}

      @Override
      public void close() {}
    };
  }
}

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
 * The built-in layer {@code replay} ({@code lambda replay FILE [--stage S] [--reason R]}): the dead
 * letters of a transform, after a fix, run through the pipeline again from that transform on
 * ({@link Replay}).
 */
public final class ReplayLayerFactory implements LayerFactory {
  private static final ConfigOption<String> STAGE =
      ConfigOption.optional(
          "stage", OptionTypes.string(), "Replay only the dead letters of this transform.");
  private static final ConfigOption<String> REASON =
      ConfigOption.optional(
          "reason", OptionTypes.string(), "Replay only dead letters whose reason starts so.");

  @Override
  public String name() {
    return "replay";
  }

  @Override
  public String description() {
    return "dead letters of a transform run again after a fix, from that transform on; each once";
  }

  @Override
  public Options options() {
    return Options.of(STAGE, REASON);
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
    return new Layer() {
      @Override
      public void start() {
        Replay.Summary summary =
            new Replay(context.spark().get())
                .run(
                    context.pipeline(),
                    context.options().find(STAGE),
                    context.options().find(REASON));
        context.out().print(summary.render());
      }

      @Override
      public void await() {}

      @Override
      public void close() {}
    };
  }
}

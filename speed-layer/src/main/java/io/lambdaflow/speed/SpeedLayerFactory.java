package io.lambdaflow.speed;

import io.lambdaflow.layer.Layer;
import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.Options;
import java.util.Optional;

/**
 * The built-in layer {@code speed} ({@code lambda speed FILE}): the pipeline's streaming queries,
 * restarted from their checkpoints after a failure, until stopped.
 */
public final class SpeedLayerFactory implements LayerFactory {

  @Override
  public String name() {
    return "speed";
  }

  @Override
  public String description() {
    return "Structured Streaming until stopped: every sink and the speed views, checkpointed,"
        + " restarted after a failure, stopped after the current micro-batch";
  }

  @Override
  public Options options() {
    return Options.of();
  }

  @Override
  public Optional<ExecutionMode> mode() {
    return Optional.of(ExecutionMode.STREAMING);
  }

  @Override
  public boolean continuous() {
    return true;
  }

  @Override
  public Layer create(LayerContext context) {
    Pipeline pipeline = context.pipeline();
    return new Layer() {
      private volatile SupervisedPipeline running;

      @Override
      public void start() {
        running = new SpeedLayer(context.spark().get()).run(pipeline);
        context
            .out()
            .println(
                "speed layer of '"
                    + pipeline.name()
                    + "' running "
                    + running.current().queries().size()
                    + " queries; checkpoints under "
                    + pipeline.speed().checkpointRoot()
                    + "; Ctrl-C stops after the current micro-batch");
      }

      @Override
      public void await() throws Exception {
        running.awaitTermination();
        context.out().println("speed layer of '" + pipeline.name() + "' stopped");
      }

      @Override
      public void close() {
        if (running != null) {
          running.close();
        }
      }
    };
  }
}

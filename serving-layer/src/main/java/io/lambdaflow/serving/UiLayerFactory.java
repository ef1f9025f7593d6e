package io.lambdaflow.serving;

import io.lambdaflow.http.HttpResponse;
import io.lambdaflow.http.HttpService;
import io.lambdaflow.layer.Layer;
import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.pipeline.ContractSettings;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.apache.hadoop.conf.Configuration;

/**
 * The built-in layer {@code ui} ({@code lambda ui FILE}): the status page alone, for a pipeline
 * without views (a pipeline with views has it on its serving layer, at {@code /status}). Binds like
 * the serving layer (serving.host, serving.port, its token and keystore), starts no Spark.
 */
public final class UiLayerFactory implements LayerFactory {
  private static final ConfigOption<Integer> PORT =
      ConfigOption.optional("port", OptionTypes.integer(), "The HTTP port (serving.port).");

  @Override
  public String name() {
    return "ui";
  }

  @Override
  public String description() {
    return "the status page (graph, batch runs, speed micro-batches, dead letters) over HTTP,"
        + " for pipelines without views; until stopped";
  }

  @Override
  public Options options() {
    return Options.of(PORT);
  }

  @Override
  public Optional<ExecutionMode> mode() {
    return Optional.empty();
  }

  @Override
  public boolean continuous() {
    return true;
  }

  @Override
  public Map<String, String> overrides(Map<String, String> flags) {
    return flags.containsKey(PORT.key()) ? Map.of("serving.port", flags.get(PORT.key())) : Map.of();
  }

  @Override
  public Layer create(LayerContext context) {
    Pipeline pipeline = context.pipeline();
    Configuration hadoop = ServeLayerFactory.Served.hadoop(pipeline);
    return new Layer() {
      private final CountDownLatch stopped = new CountDownLatch(1);
      private HttpService server;

      @Override
      public synchronized void start() throws Exception {
        ContractSettings.Serving settings = pipeline.contract().serving();
        server =
            HttpService.start(
                "lambda-ui",
                HttpApi.settings(settings, settings.host(), settings.port()),
                request ->
                    switch (request.path()) {
                      case "/", "/status" ->
                          HttpApi.html(
                              StatusPage.render(StatusData.gather(pipeline, hadoop, List.of())));
                      case "/health" -> HttpResponse.text(200, "ok\n");
                      default -> HttpResponse.text(404, "no such page; try /status\n");
                    });
        context
            .out()
            .println("status page of '" + pipeline.name() + "' at " + server.url() + "/status");
      }

      @Override
      public void await() throws InterruptedException {
        stopped.await();
      }

      @Override
      public synchronized void close() {
        if (server != null) {
          server.close();
        }
        stopped.countDown();
      }
    };
  }
}

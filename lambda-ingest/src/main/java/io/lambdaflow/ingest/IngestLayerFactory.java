package io.lambdaflow.ingest;

import io.lambdaflow.layer.Layer;
import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.pipeline.IngestSettings;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * The built-in layer {@code ingest} ({@code lambda ingest FILE}): the pipeline's {@code ingest}
 * routes over HTTP, every request one event on Kafka, until stopped. Starts no Spark.
 */
public final class IngestLayerFactory implements LayerFactory {
  private static final ConfigOption<String> HOST =
      ConfigOption.optional("host", OptionTypes.string(), "The address to bind (ingest.host).");
  private static final ConfigOption<Integer> PORT =
      ConfigOption.optional("port", OptionTypes.integer(), "The HTTP port (ingest.port).");
  private static final ConfigOption<String> BOOTSTRAP =
      ConfigOption.optional(
          "bootstrap-servers",
          OptionTypes.string(),
          "The Kafka brokers (ingest.bootstrap-servers).");

  @Override
  public String name() {
    return "ingest";
  }

  @Override
  public String description() {
    return "the ingest section's HTTP routes, every request one JSON event on a Kafka topic,"
        + " answered once Kafka acknowledged it, until stopped";
  }

  @Override
  public Options options() {
    return Options.of(HOST, PORT, BOOTSTRAP);
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
    Map<String, String> overrides = new LinkedHashMap<>();
    for (ConfigOption<?> option : options().all()) {
      if (flags.containsKey(option.key())) {
        overrides.put("ingest." + option.key(), flags.get(option.key()));
      }
    }
    return overrides;
  }

  @Override
  public Layer create(LayerContext context) {
    IngestSettings settings = context.pipeline().ingest();
    if (settings.routes().isEmpty()) {
      throw new IllegalArgumentException(
          "pipeline '"
              + context.pipeline().name()
              + "' declares no ingest routes; add ingest.routes = [ { method = POST, path ="
              + " \"/events\", topic = events } ]");
    }
    return new Layer() {
      private final CountDownLatch stopped = new CountDownLatch(1);
      private IngestService service;
      private boolean closed;

      @Override
      public void start() throws Exception {
        synchronized (this) {
          if (closed) {
            return;
          }
          service = IngestService.start(settings);
        }
        context
            .out()
            .println(
                "ingest API at "
                    + service.url()
                    + ": "
                    + settings.routes().stream()
                        .map(r -> r.method() + " " + r.path() + " -> " + r.topic())
                        .collect(Collectors.joining(", "))
                    + "; Ctrl-C stops it");
      }

      @Override
      public void await() throws InterruptedException {
        stopped.await();
      }

      @Override
      public synchronized void close() {
        if (closed) {
          return;
        }
        closed = true;
        if (service != null) {
          service.close();
        }
        stopped.countDown();
      }
    };
  }
}

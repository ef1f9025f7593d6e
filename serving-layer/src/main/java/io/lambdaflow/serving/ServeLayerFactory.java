package io.lambdaflow.serving;

import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.layer.AnswersQueries;
import io.lambdaflow.layer.Layer;
import io.lambdaflow.layer.LayerContext;
import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.SparkHadoopUtil;

/**
 * The built-in layer {@code serve} ({@code lambda serve FILE}): the merged views over HTTP until
 * stopped. Starts Spark only when its engine asks for a session.
 */
public final class ServeLayerFactory implements LayerFactory {
  private static final ConfigOption<String> ENGINE =
      ConfigOption.optional(
          "engine", OptionTypes.string(), "The serving engine for this run (serving.engine).");
  private static final ConfigOption<String> HOST =
      ConfigOption.optional("host", OptionTypes.string(), "The address to bind (serving.host).");
  private static final ConfigOption<Integer> PORT =
      ConfigOption.optional("port", OptionTypes.integer(), "The HTTP port (serving.port).");

  @Override
  public String name() {
    return "serve";
  }

  @Override
  public String description() {
    return "the views over HTTP, each the batch view merged with the speed rows past its horizon,"
        + " on the serving engine plugin, until stopped";
  }

  @Override
  public Options options() {
    return Options.of(ENGINE, HOST, PORT);
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
        overrides.put("serving." + option.key(), flags.get(option.key()));
      }
    }
    return overrides;
  }

  @Override
  public Layer create(LayerContext context) {
    Pipeline pipeline = context.pipeline();
    if (!pipeline.hasViews()) {
      throw new IllegalArgumentException(
          "pipeline '"
              + pipeline.name()
              + "' declares no views; add a views { ... } section to serve it");
    }
    return new Served(context);
  }

  /** A running serving layer and its HTTP API. */
  static final class Served implements Layer, AnswersQueries {
    @Override
    public Optional<AnswersQueries> answers() {
      return Optional.of(this);
    }

    private final LayerContext context;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile ServingLayer serving;
    private volatile HttpApi api;
    private boolean closed;

    Served(LayerContext context) {
      this.context = context;
    }

    @Override
    public void start() throws Exception {
      Pipeline pipeline = context.pipeline();
      synchronized (this) {
        if (closed) {
          return; // stopped before it started
        }
        serving = ServingLayer.open(pipeline, context.spark(), hadoop(pipeline));
        serving.start();
        api =
            HttpApi.start(
                serving,
                pipeline.contract().serving().host(),
                pipeline.contract().serving().port());
      }
      String view = pipeline.views().get(0).name();
      context
          .out()
          .println(
              "serving the views of '"
                  + pipeline.name()
                  + "' with "
                  + serving.engine().name()
                  + " at "
                  + api.url()
                  + "\n  "
                  + api.url()
                  + "/views\n  "
                  + api.url()
                  + "/views/"
                  + view
                  + "\n  curl -d 'SELECT * FROM "
                  + view
                  + " LIMIT 10' "
                  + api.url()
                  + "/query\nCtrl-C stops it");
    }

    /**
     * The Hadoop configuration a Spark session of this pipeline would have, without starting one:
     * Spark's own rules over the pipeline's spark.conf and spark.* system properties
     * ("spark.hadoop.*" entries, the AWS_* environment variables for s3a).
     */
    static Configuration hadoop(Pipeline pipeline) {
      SparkConf conf = new SparkConf();
      pipeline.spark().conf().forEach(conf::set);
      return SparkHadoopUtil.get().newConfiguration(conf);
    }

    @Override
    public boolean refresh() {
      return started().refresh();
    }

    @Override
    public QueryResult query(String sql) {
      return started().query(sql);
    }

    private ServingLayer started() {
      ServingLayer layer = serving;
      if (layer == null) {
        throw new IllegalStateException("the serve layer has not started");
      }
      return layer;
    }

    @Override
    public void await() throws InterruptedException {
      stopped.await();
      context.out().println("serving of '" + context.pipeline().name() + "' stopped");
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        if (api != null) {
          api.close();
        }
        if (serving != null) {
          serving.close();
        }
      }
      stopped.countDown();
    }
  }
}

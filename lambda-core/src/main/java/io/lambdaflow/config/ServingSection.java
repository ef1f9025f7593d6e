package io.lambdaflow.config;

import com.typesafe.config.ConfigObject;
import io.lambdaflow.engine.EngineFactory;
import io.lambdaflow.pipeline.ContractSettings;
import io.lambdaflow.pipeline.PluginChoice;
import io.lambdaflow.registry.PluginKind;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The {@code serving} section: its options, bound and checked like a plugin's. */
final class ServingSection {
  private static final ConfigOption<String> SERVING_HOST =
      ConfigOption.required("host", OptionTypes.string(), "The address to bind.");
  private static final ConfigOption<Integer> SERVING_PORT =
      ConfigOption.required("port", OptionTypes.integer(), "The HTTP port.");
  private static final ConfigOption<java.time.Duration> SERVING_REFRESH =
      ConfigOption.required(
          "refresh-interval", OptionTypes.duration(), "How often new data is picked up.");
  private static final ConfigOption<String> SERVING_CACHE =
      ConfigOption.required("cache-dir", OptionTypes.string(), "Local copy of remote views.");
  private static final ConfigOption<Integer> SERVING_MAX_ROWS =
      ConfigOption.required("max-rows", OptionTypes.integer(), "Rows per answer.");
  private static final ConfigOption<java.time.Duration> SERVING_QUERY_TIMEOUT =
      ConfigOption.required(
          "query-timeout",
          OptionTypes.duration(),
          "How long one query may run before it is cancelled.");
  private static final ConfigOption<Integer> SERVING_CONCURRENT =
      ConfigOption.required(
          "max-concurrent-queries", OptionTypes.integer(), "Queries answered at once.");
  private static final ConfigOption<java.time.Duration> SERVING_IDLE =
      ConfigOption.required(
          "idle-timeout", OptionTypes.duration(), "How long an HTTP client may send nothing.");
  private static final ConfigOption<String> SERVING_TOKEN =
      ConfigOption.required("token", OptionTypes.string(), "The bearer token.").secret();
  private static final ConfigOption<String> SERVING_KEYSTORE =
      ConfigOption.required("tls-keystore", OptionTypes.string(), "Keystore for HTTPS.");
  private static final ConfigOption<String> SERVING_KEYSTORE_PASSWORD =
      ConfigOption.required("tls-keystore-password", OptionTypes.string(), "Its password.")
          .secret();
  private static final ConfigOption<java.time.Duration> SERVING_RETAIN =
      ConfigOption.required(
          "retain-superseded",
          OptionTypes.duration(),
          "How long superseded view files stay for readers.");
  private static final ConfigOption<Long> SERVING_MEMORY =
      ConfigOption.required(
          "memory-limit",
          OptionTypes.memorySize(),
          "The most memory the DuckDB engine uses, views and queries together.");
  private static final Options SERVING_OPTIONS =
      Options.of(
          SERVING_HOST,
          SERVING_PORT,
          SERVING_REFRESH,
          SERVING_CACHE,
          SERVING_MAX_ROWS,
          SERVING_QUERY_TIMEOUT,
          SERVING_CONCURRENT,
          SERVING_IDLE,
          SERVING_TOKEN,
          SERVING_KEYSTORE,
          SERVING_KEYSTORE_PASSWORD,
          SERVING_RETAIN,
          SERVING_MEMORY);

  private ServingSection() {}

  /**
   * The serving settings of {@code section} (reference.conf always provides one), with its engine
   * plugin; empty after adding a problem for each thing wrong with it.
   */
  static Optional<ContractSettings.Serving> bind(
      Optional<ConfigObject> section,
      PluginNodes nodes,
      List<Problem> problems,
      Set<String> secretPaths) {
    if (section.isEmpty()) {
      return Optional.empty();
    }
    ConfigObject object = section.get();
    if (object.get("engine") == null) {
      problems.add(ConfigObjects.missing(object, "serving.engine"));
    }
    Optional<PluginChoice<EngineFactory>> engine =
        Optional.ofNullable(object.get("engine"))
            .flatMap(
                value ->
                    PluginChoices.bind(
                        nodes,
                        PluginKind.ENGINE,
                        EngineFactory.class,
                        value,
                        "serving.engine",
                        problems,
                        secretPaths));
    Optional<PluginConfig> bound =
        OptionBinder.bind(
            "serving",
            "the serving section",
            SERVING_OPTIONS,
            object,
            "serving",
            Set.of("engine"),
            problems);
    if (engine.isEmpty() || bound.isEmpty()) {
      return Optional.empty();
    }
    PluginConfig c = bound.get();
    ContractSettings.Serving serving =
        new ContractSettings.Serving(
            engine.get(),
            c.get(SERVING_HOST),
            c.get(SERVING_PORT),
            c.get(SERVING_REFRESH),
            c.get(SERVING_CACHE),
            c.get(SERVING_MAX_ROWS),
            c.get(SERVING_QUERY_TIMEOUT),
            c.get(SERVING_CONCURRENT),
            c.get(SERVING_IDLE),
            c.get(SERVING_TOKEN),
            c.get(SERVING_KEYSTORE),
            c.get(SERVING_KEYSTORE_PASSWORD),
            c.get(SERVING_RETAIN),
            c.get(SERVING_MEMORY));
    if (!loopback(serving.host())
        && (serving.token().isEmpty() || serving.tlsKeystore().isEmpty())) {
      problems.add(
          new Problem(
              ConfigObjects.location(object, "host"),
              "serving.host",
              "binding '"
                  + serving.host()
                  + "' reaches beyond loopback, which needs serving.token (LAMBDA_SERVING_TOKEN)"
                  + " and serving.tls-keystore: set both, or bind 127.0.0.1"));
    }
    return Optional.of(serving);
  }

  /** Whether {@code host} names only this machine; an unresolvable name is not taken as one. */
  private static boolean loopback(String host) {
    try {
      for (java.net.InetAddress address : java.net.InetAddress.getAllByName(host)) {
        if (!address.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}

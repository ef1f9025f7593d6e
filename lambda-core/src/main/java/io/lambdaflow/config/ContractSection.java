package io.lambdaflow.config;

import static io.lambdaflow.config.ConfigObjects.hasEntries;
import static io.lambdaflow.config.ConfigObjects.location;
import static io.lambdaflow.config.ConfigObjects.object;
import static io.lambdaflow.config.ConfigObjects.unknownKey;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import io.lambdaflow.pipeline.ContractSettings;
import io.lambdaflow.pipeline.PluginChoice;
import io.lambdaflow.registry.PluginKind;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.Suggestions;
import io.lambdaflow.views.ViewStoreFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The {@code master} and {@code metastore} sections: the lambda contract's settings. */
final class ContractSection {
  private static final ConfigOption<Boolean> METASTORE_ENABLED =
      ConfigOption.required("enabled", OptionTypes.bool(), "Register tables.");
  private static final ConfigOption<String> METASTORE_URI =
      ConfigOption.required("uri", OptionTypes.string(), "thrift:// URI, or empty.");
  private static final ConfigOption<String> METASTORE_DATABASE =
      ConfigOption.required("database", OptionTypes.string(), "The database.");
  private static final ConfigOption<String> METASTORE_DERBY =
      ConfigOption.required("derby-path", OptionTypes.string(), "Embedded Derby's folder.");
  private static final ConfigOption<String> METASTORE_WAREHOUSE =
      ConfigOption.required("warehouse", OptionTypes.string(), "Spark's warehouse.");
  private static final Options METASTORE_OPTIONS =
      Options.of(
          METASTORE_ENABLED,
          METASTORE_URI,
          METASTORE_DATABASE,
          METASTORE_DERBY,
          METASTORE_WAREHOUSE);

  private ContractSection() {}

  static Optional<ContractSettings> contract(
      ConfigObject root,
      String pipelineName,
      String storageRoot,
      Set<String> sourceNames,
      PluginNodes nodes,
      List<Problem> problems,
      Set<String> secretPaths) {
    Map<String, Map<String, String>> partitions = new LinkedHashMap<>();
    Optional<ConfigObject> master = object(root, "master", "master", problems);
    if (master.isPresent()) {
      for (Map.Entry<String, ConfigValue> entry : master.get().entrySet()) {
        if (!entry.getKey().equals("partition-by")) {
          problems.add(
              unknownKey(
                  entry.getValue(),
                  entry.getKey(),
                  "master." + entry.getKey(),
                  "the master section",
                  Set.of("partition-by")));
        }
      }
      Optional<ConfigObject> partitionBy =
          object(master.get(), "partition-by", "master.partition-by", problems);
      for (Map.Entry<String, ConfigValue> entry :
          partitionBy.map(ConfigObjects::sorted).orElse(List.of())) {
        String path = "master.partition-by." + entry.getKey();
        if (!sourceNames.contains(entry.getKey())) {
          problems.add(
              new Problem(
                  Origins.describe(entry.getValue().origin()),
                  path,
                  "no source named '"
                      + entry.getKey()
                      + "'"
                      + Suggestions.closest(entry.getKey(), sourceNames)
                          .map(c -> "; did you mean '" + c + "'?")
                          .orElse("")
                      + " (sources: "
                      + String.join(", ", sourceNames)
                      + ")"));
          continue;
        }
        try {
          Map<String, String> columns =
              OptionTypes.mapOf(OptionTypes.expression()).convert(entry.getValue().unwrapped());
          partitions.put(entry.getKey(), columns);
        } catch (IllegalArgumentException e) {
          problems.add(
              new Problem(
                  Origins.describe(entry.getValue().origin()),
                  path,
                  "expected { column = \"expression\" }, " + e.getMessage()));
        }
      }
    }
    Optional<ConfigObject> servingObject =
        ConfigObjects.section(root, "serving", "serving", problems);
    Optional<ContractSettings.Serving> serving =
        ServingSection.bind(servingObject, nodes, problems, secretPaths);
    if (root.get("store") == null) {
      problems.add(ConfigObjects.missing(root, "store"));
    }
    Optional<PluginChoice<ViewStoreFactory>> store =
        Optional.ofNullable(root.get("store"))
            .flatMap(
                value ->
                    PluginChoices.bind(
                        nodes,
                        PluginKind.STORE,
                        ViewStoreFactory.class,
                        value,
                        "store",
                        problems,
                        secretPaths));
    Optional<ConfigObject> metastoreObject =
        ConfigObjects.section(root, "metastore", "metastore", problems);
    Optional<PluginConfig> metastoreConfig =
        metastoreObject.flatMap(
            o ->
                OptionBinder.bind(
                    "metastore",
                    "the metastore section",
                    METASTORE_OPTIONS,
                    o,
                    "metastore",
                    Set.of(),
                    problems));
    String defaultDatabase = pipelineName.replaceAll("[^A-Za-z0-9_]", "_").toLowerCase(Locale.ROOT);
    if (metastoreConfig.isEmpty()) {
      return Optional.empty();
    }
    PluginConfig m = metastoreConfig.get();
    ContractSettings.Metastore metastore =
        new ContractSettings.Metastore(
            m.get(METASTORE_ENABLED),
            m.get(METASTORE_URI),
            orDerived(m.get(METASTORE_DATABASE), defaultDatabase),
            orDerived(m.get(METASTORE_DERBY), storageRoot + "/metastore_db"),
            orDerived(m.get(METASTORE_WAREHOUSE), storageRoot + "/warehouse"));
    String uri = metastore.uri();
    if (!uri.isEmpty() && !uri.startsWith("thrift://")) {
      problems.add(
          new Problem(
              location(metastoreObject.orElse(null), "uri"),
              "metastore.uri",
              "expected a thrift://host:port URI of a Hive metastore, or empty for the embedded"
                  + " one, got '"
                  + uri
                  + "'"));
    }
    if (uri.isEmpty()
        && metastore.enabled()
        && hasEntries(root, "views")
        && metastore.derbyPath().matches("^[A-Za-z][A-Za-z0-9+.-]*://.*")
        && !metastore.derbyPath().startsWith("file:")) {
      problems.add(
          new Problem(
              location(metastoreObject.orElse(null), "derby-path"),
              "metastore.derby-path",
              "the embedded Derby metastore keeps its files on local disk, not at '"
                  + metastore.derbyPath()
                  + "': set metastore.derby-path to a local directory (or metastore.uri)"));
    }
    if (serving.isEmpty() || store.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new ContractSettings(partitions, serving.get(), metastore, store.get()));
  }

  /** A setting whose empty value (reference.conf's) means "derived from the pipeline". */
  private static String orDerived(String value, String derived) {
    return value.isEmpty() ? derived : value;
  }
}

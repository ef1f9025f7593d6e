package io.lambdaflow.config;

import static io.lambdaflow.config.ConfigObjects.section;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.lambdaflow.pipeline.IngestSettings;
import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** The {@code ingest} section and its routes: bound like a plugin's options, routes one by one. */
final class IngestSection {
  private static final ConfigOption<String> HOST =
      ConfigOption.required("host", OptionTypes.string(), "The address to bind.");
  private static final ConfigOption<Integer> PORT =
      ConfigOption.required("port", OptionTypes.integer(), "The HTTP port.");
  private static final ConfigOption<String> BOOTSTRAP =
      ConfigOption.required("bootstrap-servers", OptionTypes.string(), "The Kafka brokers.");
  private static final ConfigOption<String> TOPIC =
      ConfigOption.required("topic", OptionTypes.string(), "The topic of routes that name none.");
  private static final ConfigOption<Long> MAX_BODY =
      ConfigOption.required("max-body", OptionTypes.memorySize(), "The largest request body.");
  private static final ConfigOption<Integer> MAX_CONCURRENT =
      ConfigOption.required("max-concurrent", OptionTypes.integer(), "Requests at once.");
  private static final ConfigOption<Duration> IDLE =
      ConfigOption.required("idle-timeout", OptionTypes.duration(), "How long a client may idle.");
  private static final ConfigOption<String> TOKEN =
      ConfigOption.required("token", OptionTypes.string(), "The bearer token.").secret();
  private static final ConfigOption<String> KEYSTORE =
      ConfigOption.required("tls-keystore", OptionTypes.string(), "Keystore for HTTPS.");
  private static final ConfigOption<String> KEYSTORE_PASSWORD =
      ConfigOption.required("tls-keystore-password", OptionTypes.string(), "Its password.")
          .secret();
  private static final Options OPTIONS =
      Options.of(
          HOST,
          PORT,
          BOOTSTRAP,
          TOPIC,
          MAX_BODY,
          MAX_CONCURRENT,
          IDLE,
          TOKEN,
          KEYSTORE,
          KEYSTORE_PASSWORD);

  private static final Set<String> ROUTE_KEYS =
      Set.of("method", "path", "topic", "fields", "headers", "body", "key", "response");
  private static final Pattern SEGMENT =
      Pattern.compile("[A-Za-z0-9_.~-]+|\\{[A-Za-z_][A-Za-z0-9_]*}");
  private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9-]+");

  private IngestSection() {}

  static Optional<IngestSettings> bind(ConfigObject root, List<Problem> problems) {
    Optional<ConfigObject> section = section(root, "ingest", "ingest", problems);
    Optional<PluginConfig> config =
        section.flatMap(
            o ->
                OptionBinder.bind(
                    "ingest",
                    "the ingest section",
                    OPTIONS,
                    o,
                    "ingest",
                    Set.of("routes"),
                    problems));
    if (config.isEmpty()) {
      return Optional.empty();
    }
    PluginConfig c = config.get();
    int before = problems.size();
    if (c.get(MAX_BODY) > Integer.MAX_VALUE - 8 || c.get(MAX_BODY) < 0) {
      problems.add(
          new Problem(
              ConfigObjects.location(section.get(), "max-body"),
              "ingest.max-body",
              "expected a size from 0 to 2g, got " + c.get(MAX_BODY) + " bytes"));
    }
    if (c.get(MAX_CONCURRENT) < 1) {
      problems.add(
          new Problem(
              ConfigObjects.location(section.get(), "max-concurrent"),
              "ingest.max-concurrent",
              "expected at least 1, got " + c.get(MAX_CONCURRENT)));
    }
    List<IngestSettings.Route> routes = routes(section.get(), c.get(TOPIC), problems);
    if (problems.size() > before) {
      return Optional.empty();
    }
    return Optional.of(
        new IngestSettings(
            c.get(HOST),
            c.get(PORT),
            c.get(BOOTSTRAP),
            c.get(MAX_BODY),
            c.get(MAX_CONCURRENT),
            c.get(IDLE),
            c.get(TOKEN),
            c.get(KEYSTORE),
            c.get(KEYSTORE_PASSWORD),
            routes));
  }

  private static List<IngestSettings.Route> routes(
      ConfigObject section, String defaultTopic, List<Problem> problems) {
    ConfigValue value = section.get("routes");
    List<IngestSettings.Route> routes = new ArrayList<>();
    if (value == null) {
      return routes;
    }
    if (!(value instanceof ConfigList list)) {
      problems.add(
          new Problem(
              Origins.describe(value.origin()),
              "ingest.routes",
              "expected a list of routes [ { path = ..., method = ... }, ... ], got "
                  + value.valueType().name().toLowerCase(Locale.ROOT)));
      return routes;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String path = "ingest.routes[" + i + "]";
      ConfigValue item = list.get(i);
      ConfigObjects.asObject(list.get(i), path, "a route", problems)
          .flatMap(o -> route(o, path, defaultTopic, problems))
          .ifPresent(
              r -> {
                String shape = r.method() + " " + r.path().replaceAll("\\{[^}]*}", "{}");
                if (!seen.add(shape)) {
                  problems.add(
                      new Problem(
                          Origins.describe(item.origin()),
                          path,
                          "another route already serves " + r.method() + " " + r.path()));
                }
                routes.add(r);
              });
    }
    return routes;
  }

  private static Optional<IngestSettings.Route> route(
      ConfigObject route, String path, String defaultTopic, List<Problem> problems) {
    int before = problems.size();
    for (Map.Entry<String, ConfigValue> entry : route.entrySet()) {
      if (!ROUTE_KEYS.contains(entry.getKey())) {
        problems.add(
            ConfigObjects.unknownKey(
                entry.getValue(),
                entry.getKey(),
                path + "." + entry.getKey(),
                "a route",
                ROUTE_KEYS));
      }
    }
    String where = Origins.describe(route.origin());
    String urlPath = string(route, "path", path, problems).orElse("");
    if (!route.containsKey("path")) {
      problems.add(
          new Problem(where, path + ".path", "missing the route's path, e.g. path = \"/pin\""));
    } else if (!urlPath.equals("/") && !validPath(urlPath)) {
      problems.add(
          new Problem(
              ConfigObjects.location(route, "path"),
              path + ".path",
              "expected a path such as /pin or /events/{event_type} (segments of letters, digits,"
                  + " '_', '.', '~', '-', or a {field}), got '"
                  + urlPath
                  + "'"));
    }
    String body = string(route, "body", path, problems).orElse("");
    String method =
        string(route, "method", path, problems)
            .orElse(body.equals("none") ? "GET" : "POST")
            .toUpperCase(Locale.ROOT);
    if (!Set.of("GET", "POST", "PUT").contains(method)) {
      problems.add(
          new Problem(
              ConfigObjects.location(route, "method"),
              path + ".method",
              "expected GET, POST or PUT, got '" + method + "'"));
    }
    if (body.isEmpty()) {
      body = method.equals("GET") ? "none" : "json";
    }
    if (!Set.of("json", "none").contains(body)) {
      problems.add(
          new Problem(
              ConfigObjects.location(route, "body"),
              path + ".body",
              "expected json (the body is a JSON object whose fields the event carries) or none,"
                  + " got '"
                  + body
                  + "'"));
    } else if (body.equals("json") && method.equals("GET")) {
      problems.add(
          new Problem(
              ConfigObjects.location(route, "body"),
              path + ".body",
              "a GET request has no body; use method = POST for body = json"));
    }
    String topic = string(route, "topic", path, problems).orElse(defaultTopic);
    if (topic.isBlank()) {
      problems.add(
          new Problem(
              where,
              path + ".topic",
              "no topic: set the route's topic or ingest.topic for every route"));
    }
    Map<String, String> fields = new LinkedHashMap<>();
    ConfigValue fieldsValue = route.get("fields");
    if (fieldsValue != null) {
      try {
        fields.putAll(OptionTypes.stringMap().convert(fieldsValue.unwrapped()));
      } catch (IllegalArgumentException e) {
        problems.add(
            new Problem(
                Origins.describe(fieldsValue.origin()),
                path + ".fields",
                "expected fixed fields { event_type = purchase_sword }, " + e.getMessage()));
      }
    }
    List<String> headers = new ArrayList<>();
    boolean allHeaders = false;
    ConfigValue headersValue = route.get("headers");
    if (headersValue != null) {
      if (headersValue.valueType() == ConfigValueType.STRING
          && "all".equals(headersValue.unwrapped())) {
        allHeaders = true;
      } else {
        try {
          for (String header : OptionTypes.stringList().convert(headersValue.unwrapped())) {
            if (!HEADER.matcher(header).matches()) {
              throw new IllegalArgumentException("'" + header + "' is not a header name");
            }
            headers.add(IngestSettings.canonical(header));
          }
        } catch (IllegalArgumentException e) {
          problems.add(
              new Problem(
                  Origins.describe(headersValue.origin()),
                  path + ".headers",
                  "expected all or a list of header names [Host, User-Agent], " + e.getMessage()));
        }
      }
    }
    Optional<String> key = string(route, "key", path, problems).filter(k -> !k.isEmpty());
    List<String> parameters = IngestSettings.Route.parameters(urlPath);
    if (key.isPresent()
        && !body.equals("json")
        && !allHeaders
        && !fields.containsKey(key.get())
        && !parameters.contains(key.get())
        && !headers.contains(key.get())) {
      problems.add(
          new Problem(
              ConfigObjects.location(route, "key"),
              path + ".key",
              "the key '"
                  + key.get()
                  + "' is none of this route's fields: a path {field}, a fixed field, a kept header"
                  + " ("
                  + String.join(", ", headers)
                  + ") or, with body = json, a body field"));
    }
    String response = string(route, "response", path, problems).orElse("ok");
    if (problems.size() > before) {
      return Optional.empty();
    }
    return Optional.of(
        new IngestSettings.Route(
            method,
            urlPath,
            topic,
            fields,
            headers,
            allHeaders,
            body.equals("json"),
            key,
            response));
  }

  private static boolean validPath(String path) {
    if (!path.startsWith("/") || path.endsWith("/")) {
      return false;
    }
    for (String segment : path.substring(1).split("/", -1)) {
      if (!SEGMENT.matcher(segment).matches()) {
        return false;
      }
    }
    return true;
  }

  private static Optional<String> string(
      ConfigObject route, String key, String path, List<Problem> problems) {
    return ConfigObjects.optionalString(route, key, path + "." + key, problems);
  }
}

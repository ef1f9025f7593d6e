package io.lambdaflow.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdaflow.http.HttpRequest;
import io.lambdaflow.pipeline.IngestSettings;
import io.lambdaflow.pipeline.IngestSettings.Route;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Matches a request to its route and makes its event: the route's path fields and fixed fields,
 * then the kept request headers (as {@code User-Agent}), then the JSON body's fields (a body field
 * named like one already set is ignored). Refuses with the status and reason a client should see.
 */
final class Routes {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final Pattern PATH_VALUE = Pattern.compile("[A-Za-z0-9_.~-]{1,64}");

  private final List<Route> routes;

  Routes(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  /** A request's route and its event. */
  record Match(Route route, ObjectNode event) {}

  /** A request no route takes, with the status and the reason. */
  static final class Refused extends IOException {
    private final int status;

    Refused(int status, String message) {
      super(message);
      this.status = status;
    }

    int status() {
      return status;
    }
  }

  Match match(HttpRequest request) throws Refused {
    String[] segments = request.path().split("/", -1);
    // Each route whose path matches, with the fields its path gives.
    Map<Route, Map<String, String>> pathMatches = new java.util.LinkedHashMap<>();
    for (Route route : routes) {
      Map<String, String> fields = fields(route, segments);
      if (fields != null) {
        pathMatches.put(route, fields);
      }
    }
    if (pathMatches.isEmpty()) {
      throw new Refused(
          404,
          "no route for "
              + request.path()
              + "; routes: "
              + routes.stream()
                  .map(r -> r.method() + " " + r.path())
                  .collect(Collectors.joining(", ")));
    }
    String method = request.method().toUpperCase(Locale.ROOT);
    for (Map.Entry<Route, Map<String, String>> match : pathMatches.entrySet()) {
      Route route = match.getKey();
      if (route.method().equals(method)
          || (method.equals("HEAD") && route.method().equals("GET"))) {
        return new Match(route, event(route, match.getValue(), request));
      }
    }
    throw new Refused(
        405,
        "use "
            + pathMatches.keySet().stream()
                .map(Route::method)
                .distinct()
                .collect(Collectors.joining(" or "))
            + " for "
            + request.path()
            + (pathMatches.keySet().stream().anyMatch(Route::jsonBody)
                ? " with a JSON object body"
                : ""));
  }

  /** The path's fields when {@code segments} match the route's path, else null. */
  private static Map<String, String> fields(Route route, String[] segments) {
    String[] pattern = route.path().split("/", -1);
    if (pattern.length != segments.length) {
      return null;
    }
    Map<String, String> fields = new java.util.LinkedHashMap<>();
    for (int i = 0; i < pattern.length; i++) {
      String part = pattern[i];
      if (part.startsWith("{") && part.endsWith("}")) {
        if (segments[i].isEmpty()) {
          return null;
        }
        fields.put(part.substring(1, part.length() - 1), segments[i]);
      } else if (!part.equals(segments[i])) {
        return null;
      }
    }
    return fields;
  }

  private static ObjectNode event(Route route, Map<String, String> pathFields, HttpRequest request)
      throws Refused {
    ObjectNode event = JSON.createObjectNode();
    for (Map.Entry<String, String> field : pathFields.entrySet()) {
      if (!PATH_VALUE.matcher(field.getValue()).matches()) {
        throw new Refused(
            400,
            "the "
                + field.getKey()
                + " in "
                + route.path()
                + " must be 1-64 letters, digits, '_', '.', '~' or '-'");
      }
      event.put(field.getKey(), field.getValue());
    }
    route.fields().forEach(event::put);
    if (route.allHeaders()) {
      request
          .headers()
          .forEach((name, value) -> putNew(event, IngestSettings.canonical(name), value));
    } else {
      for (String header : route.headers()) {
        request.header(header).ifPresent(value -> putNew(event, header, value));
      }
    }
    if (route.jsonBody()) {
      body(request)
          .fields()
          .forEachRemaining(
              f -> {
                if (!event.has(f.getKey())) {
                  event.set(f.getKey(), f.getValue());
                }
              });
    }
    return event;
  }

  private static void putNew(ObjectNode event, String name, String value) {
    if (!event.has(name)) {
      event.put(name, value);
    }
  }

  private static ObjectNode body(HttpRequest request) throws Refused {
    JsonNode node;
    try {
      node = JSON.readTree(request.body());
    } catch (JsonProcessingException e) {
      throw new Refused(400, "the body is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new Refused(400, "the body cannot be read: " + e.getMessage());
    }
    if (node == null || node.isMissingNode() || !node.isObject()) {
      throw new Refused(
          400,
          "the body must be a JSON object ({\"field\": value, ...}), got "
              + (node == null || node.isMissingNode()
                  ? "nothing"
                  : node.getNodeType().name().toLowerCase(Locale.ROOT)));
    }
    return (ObjectNode) node;
  }
}

package io.lambdaflow.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lambdaflow.pipeline.ViewNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving layer's HTTP JSON API, on the JDK's own HTTP server (no dependency beside Spark):
 *
 * <ul>
 *   <li>{@code GET /health}: status, engine, last published run;
 *   <li>{@code GET /views}: each view with its horizon, freshness and row counts;
 *   <li>{@code GET /views/<name>?<key>=<value>&limit=<n>}: the view's rows with those keys;
 *   <li>{@code POST /query} (the body is the SQL) or {@code GET /query?sql=...}: a read-only query
 *       over the views, by name.
 * </ul>
 *
 * Errors are JSON {@code {"error": "..."}} with 400 (bad request), 404 (unknown path or view) or
 * 405.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY = 1 << 20;

  private final ServingLayer serving;
  private final HttpServer server;
  private final ExecutorService workers;

  private HttpApi(ServingLayer serving, HttpServer server, ExecutorService workers) {
    this.serving = serving;
    this.server = server;
    this.workers = workers;
  }

  /** Starts the API on {@code host:port} (port 0: a free one). */
  public static HttpApi start(ServingLayer serving, String host, int port) throws IOException {
    // Without TCP_NODELAY, a small answer waits for the client's delayed ACK: 40 ms per request.
    // The JDK server reads this once, when its first server starts.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 128);
    ExecutorService workers =
        Executors.newFixedThreadPool(
            Math.max(4, Runtime.getRuntime().availableProcessors() * 2),
            r -> {
              Thread thread = new Thread(r, "lambda-serving-http");
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(workers);
    HttpApi api = new HttpApi(serving, server, workers);
    server.createContext("/", api::handle);
    server.start();
    LOG.info("serving pipeline '{}' at {}", serving.pipeline().name(), api.url());
    return api;
  }

  /** The API's base URL, {@code http://127.0.0.1:8088}. */
  public String url() {
    InetSocketAddress address = server.getAddress();
    return "http://" + address.getHostString() + ":" + address.getPort();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      try {
        if (path.equals("/health")) {
          requireGet(method);
          send(exchange, 200, health());
        } else if (path.equals("/views") || path.equals("/views/")) {
          requireGet(method);
          send(exchange, 200, views());
        } else if (path.startsWith("/views/")) {
          requireGet(method);
          send(exchange, 200, lookup(path.substring("/views/".length()), exchange.getRequestURI()));
        } else if (path.equals("/query")) {
          String sql;
          if (method.equals("POST")) {
            sql = body(exchange);
          } else if (method.equals("GET")) {
            sql = query(exchange.getRequestURI()).get("sql");
          } else {
            throw new MethodNotAllowed("GET or POST");
          }
          send(exchange, 200, result(serving.query(sql)));
        } else {
          send(
              exchange,
              404,
              error("no such endpoint " + path + "; try /health, /views, /views/<name>, /query"));
        }
      } catch (MethodNotAllowed e) {
        send(
            exchange,
            405,
            error(method + " is not allowed on " + path + "; use " + e.getMessage()));
      } catch (NoSuchElementException e) {
        send(exchange, 404, error(e.getMessage()));
      } catch (IllegalArgumentException e) {
        send(exchange, 400, error(e.getMessage()));
      } catch (RuntimeException e) {
        LOG.warn("serving {} {} failed", method, path, e);
        send(exchange, 500, error(e.toString()));
      }
    }
  }

  private ObjectNode health() {
    ObjectNode node = JSON.createObjectNode();
    node.put("status", "ok");
    node.put("pipeline", serving.pipeline().name());
    node.put("engine", serving.engine().name());
    List<ServingLayer.ViewState> views = serving.views();
    node.put("views", views.size());
    node.put("publishedRun", views.stream().mapToLong(v -> v.published().run()).max().orElse(0));
    return node;
  }

  private ObjectNode views() {
    ObjectNode node = JSON.createObjectNode();
    ArrayNode list = node.putArray("views");
    Instant now = Instant.now();
    Map<String, ServingLayer.ViewState> served = new LinkedHashMap<>();
    serving.views().forEach(v -> served.put(v.view().name(), v));
    for (ViewNode view : serving.pipeline().views()) {
      ObjectNode entry = list.addObject();
      entry.put("name", view.name());
      entry.put("type", view.kind().name().toLowerCase(java.util.Locale.ROOT));
      view.keys().forEach(entry.putArray("keys")::add);
      ServingLayer.ViewState state = served.get(view.name());
      if (state == null) {
        entry.put("status", "no data yet");
        continue;
      }
      state.columns().forEach(entry.putArray("columns")::add);
      ObjectNode batch = entry.putObject("batch");
      batch.put("run", state.published().run());
      batch.put(
          "publishedAt",
          state.published().run() == 0 ? null : state.published().publishedAt().toString());
      batch.put("rows", state.batchRows());
      ObjectNode horizon = batch.putObject("horizon");
      state
          .published()
          .horizons()
          .forEach((source, h) -> horizon.set(source, JSON.valueToTree(h.ends())));
      ObjectNode speed = entry.putObject("speed");
      speed.put("rows", state.speedRows());
      speed.put("microBatches", state.speedBatches().size());
      entry.put("dataAsOf", state.dataAsOf().toString());
      entry.put("ageSeconds", Duration.between(state.dataAsOf(), now).toMillis() / 1000.0);
      entry.put("refreshedAt", state.refreshedAt().toString());
    }
    return node;
  }

  private ObjectNode lookup(String name, URI uri) {
    Map<String, String> parameters = query(uri);
    int limit = serving.pipeline().contract().serving().maxRows();
    String limitText = parameters.remove("limit");
    if (limitText != null) {
      try {
        limit = Integer.parseInt(limitText);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("limit must be a whole number, got '" + limitText + "'");
      }
    }
    ObjectNode node = result(serving.lookup(name, parameters, limit));
    node.put("view", name);
    return node;
  }

  private static ObjectNode result(QueryResult result) {
    ObjectNode node = JSON.createObjectNode();
    result.columns().forEach(node.putArray("columns")::add);
    ArrayNode rows = node.putArray("rows");
    for (List<Object> values : result.rows()) {
      ObjectNode row = rows.addObject();
      for (int i = 0; i < values.size(); i++) {
        row.set(result.columns().get(i), JSON.valueToTree(values.get(i)));
      }
    }
    node.put("count", result.rows().size());
    node.put("truncated", result.truncated());
    return node;
  }

  private static ObjectNode error(String message) {
    ObjectNode node = JSON.createObjectNode();
    node.put("error", message);
    return node;
  }

  private static void requireGet(String method) {
    if (!method.equals("GET")) {
      throw new MethodNotAllowed("GET");
    }
  }

  private static String body(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] bytes = in.readNBytes(MAX_BODY + 1);
      if (bytes.length > MAX_BODY) {
        throw new IllegalArgumentException("the query is larger than " + MAX_BODY + " bytes");
      }
      String text = new String(bytes, StandardCharsets.UTF_8);
      String type = exchange.getRequestHeaders().getFirst("Content-Type");
      if (type != null && type.startsWith("application/json")) {
        try {
          return JSON.readTree(text).path("sql").asText(null);
        } catch (IOException e) {
          throw new IllegalArgumentException(
              "the body is not JSON: " + DuckDbEngine.firstLine(e.getMessage()));
        }
      }
      return text;
    }
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> parameters = new LinkedHashMap<>();
    String raw = uri.getRawQuery();
    if (raw == null || raw.isEmpty()) {
      return parameters;
    }
    for (String pair : raw.split("&")) {
      int equals = pair.indexOf('=');
      String key =
          URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
      String value =
          equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
      parameters.put(key, value);
    }
    return parameters;
  }

  private static void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    workers.shutdownNow();
  }

  private static final class MethodNotAllowed extends RuntimeException {
    MethodNotAllowed(String allowed) {
      super(allowed, null, false, false);
    }
  }
}

package io.lambdaflow.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.http.HttpRequest;
import io.lambdaflow.http.HttpResponse;
import io.lambdaflow.http.HttpService;
import io.lambdaflow.http.HttpSettings;
import io.lambdaflow.metrics.PipelineMetrics;
import io.lambdaflow.pipeline.ContractSettings;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.pipeline.ViewNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving layer's HTTP JSON API, on {@link HttpService} (bounded read time, a concurrency limit
 * that answers 503 while {@code /health} stays exempt, a bearer token and TLS when configured):
 *
 * <ul>
 *   <li>{@code GET /health}: status, engine, last published run;
 *   <li>{@code GET /views}: each view with its horizon, freshness and row counts;
 *   <li>{@code GET /views/<name>?<key>=<value>&limit=<n>}: the view's rows with those keys;
 *   <li>{@code POST /query} (the body is the SQL) or {@code GET /query?sql=...}: a read-only query
 *       over the views, by name.
 * </ul>
 *
 * Errors are JSON {@code {"error": "..."}} with 400 (bad request, refused or timed-out query), 401
 * (no or wrong token), 404 (unknown path or view), 405, 413 (body over 1 MiB) or 503 (busy).
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY = 1 << 20;

  private final ServingLayer serving;
  private final PipelineMetrics metrics;
  private final HttpService server;

  private HttpApi(ServingLayer serving, PipelineMetrics metrics, HttpService server) {
    this.serving = serving;
    this.metrics = metrics;
    this.server = server;
  }

  /** The serving layer's metrics: request latency, and each view's freshness and rows. */
  private static PipelineMetrics metrics(ServingLayer serving) {
    PipelineMetrics metrics = new PipelineMetrics(serving.pipeline().name(), "serve");
    metrics.gauge(
        "lambdaflow_view_freshness_seconds",
        "Age of the newest data a view serves: since its latest speed micro-batch or publish.",
        "view",
        () -> {
          Map<String, Double> ages = new TreeMap<>();
          Instant now = Instant.now();
          for (ViewState view : serving.views()) {
            if (!view.dataAsOf().equals(Instant.EPOCH)) {
              ages.put(view.view().name(), Duration.between(view.dataAsOf(), now).toMillis() / 1e3);
            }
          }
          return ages;
        });
    metrics.gauge(
        "lambdaflow_view_batch_rows",
        "Rows of each view's published batch part.",
        "view",
        () -> rows(serving, ViewState::batchRows));
    metrics.gauge(
        "lambdaflow_view_speed_rows",
        "Rows of each view's speed part (micro-batches past the published horizon).",
        "view",
        () -> rows(serving, ViewState::speedRows));
    return metrics;
  }

  private static Map<String, Double> rows(
      ServingLayer serving, java.util.function.ToLongFunction<ViewState> part) {
    Map<String, Double> rows = new TreeMap<>();
    serving.views().forEach(v -> rows.put(v.view().name(), (double) part.applyAsLong(v)));
    return rows;
  }

  /**
   * How the serving layer's HTTP server (and {@code lambda ui}'s) listens: on {@code host:port},
   * with the {@code serving} section's limits, token and TLS.
   */
  static HttpSettings settings(ContractSettings.Serving settings, String host, int port) {
    return new HttpSettings(
        host,
        port,
        settings.idleTimeout(),
        Math.max(8, settings.maxConcurrentQueries() + 4),
        settings.maxConcurrentQueries(),
        64,
        Duration.ofSeconds(5),
        Set.of("/health"),
        MAX_BODY,
        Optional.of(settings.token()),
        settings.tlsKeystore().isEmpty()
            ? Optional.empty()
            : Optional.of(
                new HttpSettings.Tls(settings.tlsKeystore(), settings.tlsKeystorePassword())));
  }

  /**
   * Starts the API on {@code host:port} (port 0: a free one), with the pipeline's {@code serving}
   * limits, token and TLS.
   */
  public static HttpApi start(ServingLayer serving, String host, int port) throws IOException {
    HttpSettings http = settings(serving.pipeline().contract().serving(), host, port);
    HttpApi[] api = new HttpApi[1];
    HttpService server =
        HttpService.start("lambda-serving", http, request -> api[0].timed(request));
    api[0] = new HttpApi(serving, metrics(serving), server);
    LOG.info("serving pipeline '{}' at {}", serving.pipeline().name(), server.url());
    return api[0];
  }

  /** The API's base URL, {@code http://127.0.0.1:8088}. */
  public String url() {
    return server.url();
  }

  public int port() {
    return server.port();
  }

  /** Answers {@code request}, its latency counted per endpoint and status. */
  private HttpResponse timed(HttpRequest request) throws IOException {
    long started = System.nanoTime();
    HttpResponse response = handle(request);
    String path = request.path();
    String endpoint =
        switch (path) {
          case "/health", "/status", "/views", "/query", "/metrics" -> path.substring(1);
          default -> path.startsWith("/views/") ? "lookup" : "other";
        };
    metrics.request(endpoint, response.status(), Duration.ofNanos(System.nanoTime() - started));
    return response;
  }

  private HttpResponse handle(HttpRequest request) throws IOException {
    String path = request.path();
    String method = request.method();
    try {
      if (path.equals("/health")) {
        requireGet(method);
        return send(200, health());
      } else if (path.equals("/status")) {
        requireGet(method);
        return html(
            StatusPage.render(
                StatusData.gather(serving.pipeline(), serving.hadoop(), serving.views())));
      } else if (path.equals("/metrics")) {
        requireGet(method);
        return new HttpResponse(200, PipelineMetrics.CONTENT_TYPE, metrics.scrape());
      } else if (path.equals("/views") || path.equals("/views/")) {
        requireGet(method);
        return send(200, views());
      } else if (path.startsWith("/views/")) {
        requireGet(method);
        return send(200, lookup(path.substring("/views/".length()), request.query()));
      } else if (path.equals("/query")) {
        String sql;
        if (method.equals("POST")) {
          sql = body(request);
        } else if (method.equals("GET")) {
          sql = request.query().get("sql");
        } else {
          throw new MethodNotAllowed("GET or POST");
        }
        return send(200, result(serving.answer(sql)));
      }
      return send(
          404,
          error(
              "no such endpoint "
                  + path
                  + "; try /health, /status, /views, /views/<name>, /query, /metrics"));
    } catch (MethodNotAllowed e) {
      return send(405, error(method + " is not allowed on " + path + "; use " + e.getMessage()));
    } catch (NoSuchElementException e) {
      return send(404, error(e.getMessage()));
    } catch (IllegalArgumentException e) {
      return send(400, error(e.getMessage()));
    } catch (RuntimeException e) {
      LOG.warn("serving {} {} failed", method, path, e);
      return send(500, error(e.toString()));
    }
  }

  private ObjectNode health() {
    ObjectNode node = JSON.createObjectNode();
    node.put("status", "ok");
    node.put("pipeline", serving.pipeline().name());
    node.put("engine", serving.engine().name());
    List<ViewState> views = serving.views();
    node.put("views", views.size());
    node.put("publishedRun", views.stream().mapToLong(v -> v.published().run()).max().orElse(0));
    return node;
  }

  private ObjectNode views() {
    ObjectNode node = JSON.createObjectNode();
    ArrayNode list = node.putArray("views");
    Instant now = Instant.now();
    Map<String, ViewState> served = new LinkedHashMap<>();
    serving.views().forEach(v -> served.put(v.view().name(), v));
    for (ViewNode view : serving.pipeline().views()) {
      ObjectNode entry = list.addObject();
      entry.put("name", view.name());
      entry.put("type", view.kind().name().toLowerCase(java.util.Locale.ROOT));
      view.keys().forEach(entry.putArray("keys")::add);
      ViewState state = served.get(view.name());
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
      entry.set("covers", JSON.valueToTree(state.coverage()));
      entry.put("dataAsOf", state.dataAsOf().toString());
      entry.put("ageSeconds", Duration.between(state.dataAsOf(), now).toMillis() / 1000.0);
      entry.put("refreshedAt", state.refreshedAt().toString());
    }
    return node;
  }

  private ObjectNode lookup(String name, Map<String, String> query) {
    Map<String, String> parameters = new LinkedHashMap<>(query);
    int max = serving.pipeline().contract().serving().maxRows();
    int limit = max;
    String limitText = parameters.remove("limit");
    if (limitText != null) {
      try {
        limit = Integer.parseInt(limitText);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1) {
        throw new IllegalArgumentException(
            "limit must be a whole number from 1 to " + max + ", got '" + limitText + "'");
      }
    }
    Answer answer = serving.lookupAnswer(name, parameters, limit);
    ObjectNode node = result(answer.result());
    node.put("view", name);
    node.set("covers", JSON.valueToTree(answer.covers().get(name)));
    return node;
  }

  /** A query's answer, with what each view it could read covers. */
  private static ObjectNode result(Answer answer) {
    ObjectNode node = result(answer.result());
    node.set("covers", JSON.valueToTree(answer.covers()));
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

  private static String body(HttpRequest request) {
    String text = request.text();
    String type = request.header("Content-Type").orElse("");
    if (type.startsWith("application/json")) {
      try {
        return JSON.readTree(text).path("sql").asText(null);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "the body is not JSON: " + PipelineRunException.firstLine(e));
      }
    }
    return text;
  }

  /** An HTML page, which no other site may frame or run scripts in. */
  static HttpResponse html(String page) {
    return new HttpResponse(
        200,
        "text/html; charset=utf-8",
        page.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        Map.of(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
            "X-Content-Type-Options",
            "nosniff"));
  }

  private static HttpResponse send(int status, ObjectNode body) throws IOException {
    return new HttpResponse(status, HttpResponse.JSON, JSON.writeValueAsBytes(body));
  }

  @Override
  public void close() {
    server.close();
  }

  private static final class MethodNotAllowed extends RuntimeException {
    MethodNotAllowed(String allowed) {
      super(allowed, null, false, false);
    }
  }
}

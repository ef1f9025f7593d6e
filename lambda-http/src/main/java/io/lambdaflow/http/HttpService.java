package io.lambdaflow.http;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP server for one {@link HttpHandler}, on Jetty 12 (core, no servlets; Spark shades its own
 * Jetty, so nothing clashes). Unlike the JDK's built-in server it bounds how long a client may hold
 * a connection without sending ({@link HttpSettings#idleTimeout()}), reads request headers without
 * holding a worker thread, runs at most {@link HttpSettings#maxConcurrent()} requests at once and
 * answers 503 when the queue behind them is full or waits too long (paths in {@link
 * HttpSettings#unlimitedPaths()}, such as {@code /health}, skip that limit), refuses bodies over
 * {@link HttpSettings#maxBody()} with 413, and checks a bearer token and serves TLS when
 * configured. It refuses to bind beyond loopback without both.
 */
public final class HttpService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);
  private static final byte[] UNAUTHORIZED =
      "{\"error\":\"missing or wrong bearer token: send 'Authorization: Bearer <token>'\"}"
          .getBytes(StandardCharsets.UTF_8);

  private static final String BODY = HttpService.class.getName() + ".body";

  private final Server server;
  private final ServerConnector connector;
  private final boolean tls;

  private HttpService(Server server, ServerConnector connector, boolean tls) {
    this.server = server;
    this.connector = connector;
    this.tls = tls;
  }

  /**
   * Starts {@code handler} on {@code settings.host():settings.port()} (port 0: a free one).
   *
   * @param name names the worker threads and the log line
   * @throws IllegalArgumentException when the address is beyond loopback and a token or TLS is
   *     missing
   * @throws IOException when the port cannot be bound
   */
  public static HttpService start(String name, HttpSettings settings, HttpHandler handler)
      throws IOException {
    requireNonNull(handler, "handler is null");
    Optional<String> refusal = beyondLoopbackProblem(settings);
    if (refusal.isPresent()) {
      throw new IllegalArgumentException(refusal.get());
    }
    QueuedThreadPool threads = new QueuedThreadPool(settings.threads(), 2);
    threads.setName(name + "-http");
    threads.setDaemon(true);
    Server server = new Server(threads);
    server.setStopTimeout(0);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(false);
    HttpConnectionFactory plain = new HttpConnectionFactory(http);
    ServerConnector connector;
    if (settings.tls().isPresent()) {
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStorePath(settings.tls().get().keystore());
      ssl.setKeyStorePassword(settings.tls().get().password());
      connector =
          new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, "http/1.1"), plain);
    } else {
      connector = new ServerConnector(server, 1, 1, plain);
    }
    connector.setHost(settings.host());
    connector.setPort(settings.port());
    connector.setIdleTimeout(settings.idleTimeout().toMillis());
    server.addConnector(connector);

    QoSHandler limit = new QoSHandler(new Dispatch(handler));
    limit.setMaxRequestCount(settings.maxConcurrent());
    limit.setMaxSuspendedRequestCount(settings.maxQueued());
    limit.setMaxSuspend(settings.maxQueueWait());
    limit.setRejectStatusCode(503);
    settings.unlimitedPaths().forEach(limit::excludePath);
    server.setHandler(new ReadFirst(limit, settings));
    server.setErrorHandler(HttpService::error);
    try {
      server.start();
    } catch (IOException e) {
      stopQuietly(server);
      throw e;
    } catch (Exception e) {
      stopQuietly(server);
      throw new IOException(
          "cannot start the " + name + " HTTP server on " + settings.host() + ":" + settings.port(),
          e);
    }
    HttpService service = new HttpService(server, connector, settings.tls().isPresent());
    LOG.debug("{} listening at {}", name, service.url());
    return service;
  }

  /**
   * Why these settings may not be served, if they may not: an address beyond loopback needs a token
   * and TLS, for anyone who can reach it could otherwise read (and, for ingest APIs, write) data.
   */
  public static Optional<String> beyondLoopbackProblem(HttpSettings settings) {
    if (isLoopback(settings.host())) {
      return Optional.empty();
    }
    if (settings.token().isEmpty() || settings.tls().isEmpty()) {
      return Optional.of(
          "binding "
              + settings.host()
              + " reaches beyond loopback, which needs both a bearer token and TLS (a keystore);"
              + " missing: "
              + (settings.token().isEmpty() ? "the token" : "")
              + (settings.token().isEmpty() && settings.tls().isEmpty() ? " and " : "")
              + (settings.tls().isEmpty() ? "the keystore" : ""));
    }
    return Optional.empty();
  }

  /** Whether {@code host} names only this machine (127.0.0.0/8, ::1, localhost). */
  public static boolean isLoopback(String host) {
    try {
      for (InetAddress address : InetAddress.getAllByName(host)) {
        if (!address.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The base URL, {@code http://127.0.0.1:8088} (https with TLS). */
  public String url() {
    return (tls ? "https" : "http") + "://" + connector.getHost() + ":" + port();
  }

  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    stopQuietly(server);
  }

  private static void stopQuietly(Server server) {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.debug("stopping the HTTP server: {}", e.toString());
    }
  }

  /** Jetty's own errors (a 503 from the limit, a malformed request) as JSON. */
  private static boolean error(Request request, Response response, Callback callback) {
    int status = response.getStatus();
    String reason =
        switch (status) {
          case 503 -> "busy: too many requests at once; try again shortly";
          case 400 -> "malformed request";
          case 431 -> "request headers too large";
          default -> "HTTP " + status;
        };
    write(response, status, json(reason), callback);
    return true;
  }

  private static byte[] json(String message) {
    return ("{\"error\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static void write(Response response, int status, byte[] body, Callback callback) {
    write(response, new HttpResponse(status, HttpResponse.JSON, body), callback);
  }

  private static void write(Response response, HttpResponse answer, Callback callback) {
    response.setStatus(answer.status());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
    answer.headers().forEach((k, v) -> response.getHeaders().put(k, v));
    response.write(true, ByteBuffer.wrap(answer.body()), callback);
  }

  /**
   * Checks the token, then reads the whole body without holding a thread (a slow client costs a
   * connection, not a worker or a place under the concurrency limit), then hands the request on.
   */
  private static final class ReadFirst extends Handler.Wrapper {
    private final HttpSettings settings;
    private final byte[] expectedAuthorization;

    ReadFirst(Handler next, HttpSettings settings) {
      super(next);
      this.settings = settings;
      this.expectedAuthorization =
          settings.token().map(t -> ("Bearer " + t).getBytes(StandardCharsets.UTF_8)).orElse(null);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      if (expectedAuthorization != null && !authorized(request)) {
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
        write(response, 401, UNAUTHORIZED, callback);
        return true;
      }
      if (request.getLength() > settings.maxBody() + BoundedBody.DRAIN) {
        write(response, 413, tooLarge(), callback); // too much to read through: closes unread
        return true;
      }
      CompletableFuture<Optional<byte[]>> read = BoundedBody.read(request, settings.maxBody());
      if (read.isDone() && !read.isCompletedExceptionally()) {
        // Read already (a GET, a small body): answered on this thread, no hand-over.
        next(request, response, callback, read.join(), null);
        return true;
      }
      read.whenComplete(
          (body, failure) ->
              request.getContext().execute(() -> next(request, response, callback, body, failure)));
      return true;
    }

    private void next(
        Request request,
        Response response,
        Callback callback,
        Optional<byte[]> body,
        Throwable failure) {
      if (failure != null) {
        // The client went away or stalled past the idle timeout: nobody to answer.
        LOG.debug("reading {} failed: {}", request.getHttpURI().getPath(), failure.toString());
        callback.failed(failure);
        return;
      }
      if (body.isEmpty()) {
        write(response, 413, tooLarge(), callback);
        return;
      }
      request.setAttribute(BODY, body.get());
      try {
        if (!getHandler().handle(request, response, callback)) {
          write(response, 404, json("not found"), callback);
        }
      } catch (Throwable e) {
        callback.failed(e);
      }
    }

    private byte[] tooLarge() {
      return json("the request body is larger than " + settings.maxBody() + " bytes");
    }

    private boolean authorized(Request request) {
      String given = request.getHeaders().get(HttpHeader.AUTHORIZATION);
      return given != null
          && MessageDigest.isEqual(expectedAuthorization, given.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Calls the handler with the request as read, writes its answer. */
  private static final class Dispatch extends Handler.Abstract {
    private final HttpHandler handler;

    Dispatch(HttpHandler handler) {
      this.handler = handler;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      HttpResponse answer;
      try {
        answer =
            handler.handle(
                new HttpRequest(
                    request.getMethod(),
                    request.getHttpURI().getPath(),
                    query(request.getHttpURI().getQuery()),
                    headers(request),
                    (byte[]) request.getAttribute(BODY)));
      } catch (IOException | RuntimeException e) {
        LOG.warn("{} {} failed", request.getMethod(), request.getHttpURI().getPath(), e);
        answer = new HttpResponse(500, HttpResponse.JSON, json("internal error: " + e));
      }
      write(response, answer, callback);
      return true;
    }

    private static Map<String, String> headers(Request request) {
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (HttpField field : request.getHeaders()) {
        headers.merge(field.getName(), field.getValue(), (a, b) -> a + "," + b);
      }
      return headers;
    }
  }

  /** Query parameters in order; a repeated name keeps its last value. */
  static Map<String, String> query(String raw) {
    Map<String, String> parameters = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return parameters;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String key =
          URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
      String value =
          equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
      parameters.put(key, value);
    }
    return parameters;
  }
}

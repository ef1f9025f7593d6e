package io.lambdaflow.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpServiceTest {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static HttpSettings settings(int maxConcurrent, int maxQueued, Duration idle) {
    return new HttpSettings(
        "127.0.0.1",
        0,
        idle,
        8,
        maxConcurrent,
        maxQueued,
        Duration.ofSeconds(30),
        Set.of("/health"),
        1024,
        Optional.empty(),
        Optional.empty());
  }

  private static java.net.http.HttpResponse<String> get(String url) throws Exception {
    return CLIENT.send(
        java.net.http.HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .build(),
        BodyHandlers.ofString());
  }

  @Test
  void healthAnswersWhileSlowClientsHoldConnectionsAndTheLimitIsTaken() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    HttpHandler handler =
        request -> {
          if (request.path().equals("/slow")) {
            try {
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return HttpResponse.text(200, "ok " + request.path());
        };
    List<Socket> slowClients = new ArrayList<>();
    try (HttpService service =
        HttpService.start("test", settings(1, 0, Duration.ofSeconds(20)), handler)) {
      for (int i = 0; i < 8; i++) { // more half-sent requests than there are worker threads
        Socket socket = new Socket("127.0.0.1", service.port());
        socket
            .getOutputStream()
            .write("GET /health HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
        slowClients.add(socket);
      }
      CompletableFuture<java.net.http.HttpResponse<String>> slow =
          CLIENT.sendAsync(
              java.net.http.HttpRequest.newBuilder(URI.create(service.url() + "/slow")).build(),
              BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(10)).until(() -> release.getCount() == 1 && busy(service));

      long start = System.nanoTime();
      java.net.http.HttpResponse<String> health = get(service.url() + "/health");
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("ok /health");
      assertThat(millis).isLessThan(100);

      java.net.http.HttpResponse<String> refused = get(service.url() + "/other");
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.body())
          .isEqualTo("{\"error\":\"busy: too many requests at once; try again shortly\"}");

      release.countDown();
      assertThat(slow.get(10, TimeUnit.SECONDS).body()).isEqualTo("ok /slow");
    } finally {
      for (Socket socket : slowClients) {
        socket.close();
      }
    }
  }

  /** Whether the one allowed request is being handled (a probe then gets 503). */
  private static boolean busy(HttpService service) throws Exception {
    return get(service.url() + "/probe").statusCode() == 503;
  }

  @Test
  void aClientThatStopsSendingMidRequestIsDisconnectedAfterTheIdleTimeout() throws Exception {
    try (HttpService service =
            HttpService.start(
                "test", settings(4, 4, Duration.ofMillis(500)), r -> HttpResponse.text(200, "ok"));
        Socket socket = new Socket("127.0.0.1", service.port())) {
      socket
          .getOutputStream()
          .write(
              "POST /query HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"
                  .getBytes(StandardCharsets.US_ASCII));
      socket.setSoTimeout(10_000);
      long start = System.nanoTime();
      InputStream in = socket.getInputStream();
      byte[] answer = in.readAllBytes(); // ends when the server closes the connection
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(new String(answer, StandardCharsets.US_ASCII)).doesNotContain("200 OK");
    }
  }

  @Test
  void bodiesOverTheLimitGet413() throws Exception {
    try (HttpService service =
        HttpService.start(
            "test", settings(4, 4, Duration.ofSeconds(5)), r -> HttpResponse.text(200, r.text()))) {
      java.net.http.HttpResponse<String> small =
          CLIENT.send(
              java.net.http.HttpRequest.newBuilder(URI.create(service.url() + "/echo"))
                  .POST(BodyPublishers.ofString("hello"))
                  .build(),
              BodyHandlers.ofString());
      assertThat(small.body()).isEqualTo("hello");
      java.net.http.HttpResponse<String> large =
          CLIENT.send(
              java.net.http.HttpRequest.newBuilder(URI.create(service.url() + "/echo"))
                  .POST(BodyPublishers.ofString("x".repeat(1025)))
                  .build(),
              BodyHandlers.ofString());
      assertThat(large.statusCode()).isEqualTo(413);
      assertThat(large.body())
          .isEqualTo("{\"error\":\"the request body is larger than 1024 bytes\"}");
    }
  }

  @Test
  void everyClientSendingTooMuchReadsThe413() throws Exception {
    // The server answers before reading the body; closing with the rest unread would reset the
    // connection under the answer (the JDK client then sees no response at all).
    try (HttpService service =
        HttpService.start(
            "test", settings(4, 4, Duration.ofSeconds(5)), r -> HttpResponse.text(200, r.text()))) {
      for (int size : new int[] {1025, 256 * 1024, 2 * 1024 * 1024}) {
        byte[] body = "x".repeat(size).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 5; i++) {
          java.net.http.HttpResponse<String> sized =
              CLIENT.send(
                  java.net.http.HttpRequest.newBuilder(URI.create(service.url() + "/echo"))
                      .POST(BodyPublishers.ofByteArray(body))
                      .build(),
                  BodyHandlers.ofString());
          assertThat(sized.statusCode()).as("%d bytes with a length", size).isEqualTo(413);
          java.net.http.HttpResponse<String> chunked =
              CLIENT.send(
                  java.net.http.HttpRequest.newBuilder(URI.create(service.url() + "/echo"))
                      .POST(
                          BodyPublishers.ofInputStream(
                              () -> new java.io.ByteArrayInputStream(body)))
                      .build(),
                  BodyHandlers.ofString());
          assertThat(chunked.statusCode()).as("%d bytes chunked", size).isEqualTo(413);
          assertThat(chunked.body())
              .isEqualTo("{\"error\":\"the request body is larger than 1024 bytes\"}");
        }
      }
    }
  }

  @Test
  void aTokenIsRequiredWhenConfigured() throws Exception {
    HttpSettings base = settings(4, 4, Duration.ofSeconds(5));
    HttpSettings withToken =
        new HttpSettings(
            base.host(),
            0,
            base.idleTimeout(),
            base.threads(),
            base.maxConcurrent(),
            base.maxQueued(),
            base.maxQueueWait(),
            base.unlimitedPaths(),
            base.maxBody(),
            Optional.of("s3cret"),
            Optional.empty());
    try (HttpService service =
        HttpService.start("test", withToken, r -> HttpResponse.text(200, "data"))) {
      java.net.http.HttpResponse<String> none = get(service.url() + "/views");
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer");
      java.net.http.HttpResponse<String> wrong =
          CLIENT.send(
              java.net.http.HttpRequest.newBuilder(URI.create(service.url() + "/views"))
                  .header("Authorization", "Bearer guess")
                  .build(),
              BodyHandlers.ofString());
      assertThat(wrong.statusCode()).isEqualTo(401);
      java.net.http.HttpResponse<String> right =
          CLIENT.send(
              java.net.http.HttpRequest.newBuilder(URI.create(service.url() + "/views"))
                  .header("Authorization", "Bearer s3cret")
                  .build(),
              BodyHandlers.ofString());
      assertThat(right.statusCode()).isEqualTo(200);
      assertThat(right.body()).isEqualTo("data");
    }
    assertThat(withToken.toString()).doesNotContain("s3cret");
  }

  @Test
  void bindingBeyondLoopbackNeedsATokenAndTls() {
    HttpSettings open = settings(4, 4, Duration.ofSeconds(5)).withHost("0.0.0.0");
    assertThatThrownBy(() -> HttpService.start("test", open, r -> HttpResponse.text(200, "")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "binding 0.0.0.0 reaches beyond loopback, which needs both a bearer token and TLS (a"
                + " keystore); missing: the token and the keystore");
    assertThat(HttpService.isLoopback("localhost")).isTrue();
    assertThat(HttpService.isLoopback("127.0.0.2")).isTrue();
    assertThat(HttpService.isLoopback("0.0.0.0")).isFalse();
  }

  @Test
  void servesTlsWithAKeystore(@TempDir Path dir) throws Exception {
    Path keystore = dir.resolve("server.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).isZero();
    HttpSettings base = settings(4, 4, Duration.ofSeconds(5));
    HttpSettings tls =
        new HttpSettings(
            base.host(),
            0,
            base.idleTimeout(),
            base.threads(),
            base.maxConcurrent(),
            base.maxQueued(),
            base.maxQueueWait(),
            base.unlimitedPaths(),
            base.maxBody(),
            Optional.empty(),
            Optional.of(new HttpSettings.Tls(keystore.toString(), "changeit")));
    try (HttpService service =
        HttpService.start("test", tls, r -> HttpResponse.text(200, "secure"))) {
      assertThat(service.url()).startsWith("https://127.0.0.1:");
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keystore)) {
        trusted.load(in, "changeit".toCharArray());
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      HttpClient client = HttpClient.newBuilder().sslContext(context).build();
      java.net.http.HttpResponse<String> answer =
          client.send(
              java.net.http.HttpRequest.newBuilder(URI.create(service.url() + "/health")).build(),
              BodyHandlers.ofString());
      assertThat(answer.body()).isEqualTo("secure");
      try (Socket plain = new Socket("127.0.0.1", service.port())) {
        OutputStream out = plain.getOutputStream();
        out.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        plain.setSoTimeout(10_000);
        assertThat(new String(plain.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
            .doesNotContain("secure");
      }
    }
  }
}

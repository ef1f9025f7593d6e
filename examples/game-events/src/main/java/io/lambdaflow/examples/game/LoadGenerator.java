package io.lambdaflow.examples.game;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives the game API as the seed does with Apache Bench ({@code ab -n 10 -H "Host:
 * user1.comcast.com" http://localhost:5000/purchase_a_sword}), for several hosts at once: a mix of
 * the game's actions, {@code count} requests at {@code rate} per second over {@code concurrency}
 * keep-alive connections. Requests are plain HTTP/1.1 on sockets, so the Host header is the user's
 * (as ab's -H sets it). It tallies what the API acknowledged, per host and event type.
 */
public final class LoadGenerator {

  /** The actions and how often each is chosen, out of 100. */
  static final Map<String, Integer> MIX =
      Map.of("/", 40, "/purchase_a_sword", 30, "/purchase_a_knife", 15, "/join_guild", 15);

  /** The event type conf/game-events.conf's ingest routes log for each path. */
  static final Map<String, String> EVENT_TYPES =
      Map.of(
          "/", "default",
          "/purchase_a_sword", "purchase_sword",
          "/purchase_a_knife", "purchase_knife",
          "/join_guild", "join_guild");

  /**
   * What a run did.
   *
   * @param sent requests answered 200
   * @param failed requests that failed (connection errors or non-200 answers)
   * @param events acknowledged events per host and event type
   * @param took how long it took
   */
  public record Result(
      long sent, long failed, Map<String, Map<String, Long>> events, Duration took) {

    /** Acknowledged events of {@code type} per host. */
    public Map<String, Long> byHost(String type) {
      Map<String, Long> counts = new TreeMap<>();
      events.forEach((host, types) -> counts.put(host, types.getOrDefault(type, 0L)));
      return counts;
    }
  }

  private LoadGenerator() {}

  /**
   * Sends {@code count} requests to {@code baseUrl} for {@code hosts}, at most {@code rate} per
   * second (0: as fast as the connections go), choosing actions by {@link #MIX} with {@code seed}.
   */
  public static Result run(
      String baseUrl, List<String> hosts, long count, double rate, int concurrency, long seed)
      throws InterruptedException {
    URI uri = URI.create(baseUrl);
    List<String> paths = new ArrayList<>();
    MIX.forEach(
        (path, weight) -> {
          for (int i = 0; i < weight; i++) {
            paths.add(path);
          }
        });
    paths.sort(null);
    AtomicLong next = new AtomicLong();
    LongAdder sent = new LongAdder();
    LongAdder failed = new LongAdder();
    Map<String, Map<String, LongAdder>> events = new ConcurrentHashMap<>();
    long start = System.nanoTime();
    ExecutorService workers = Executors.newFixedThreadPool(concurrency);
    List<Future<?>> running = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      Random random = new Random(seed * 31 + w);
      running.add(
          workers.submit(
              () -> {
                Connection connection = null;
                long i;
                while ((i = next.getAndIncrement()) < count) {
                  if (rate > 0) {
                    long due = start + (long) (i * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                      LockSupport.parkNanos(wait);
                    }
                  }
                  String host = hosts.get((int) (i % hosts.size()));
                  String path = paths.get(random.nextInt(paths.size()));
                  try {
                    if (connection == null) {
                      connection = new Connection(uri.getHost(), uri.getPort());
                    }
                    int status = connection.get(path, host);
                    if (connection.socket.isClosed()) {
                      connection = null;
                    }
                    if (status == 200) {
                      sent.increment();
                      events
                          .computeIfAbsent(host, h -> new ConcurrentHashMap<>())
                          .computeIfAbsent(EVENT_TYPES.get(path), t -> new LongAdder())
                          .increment();
                    } else {
                      failed.increment();
                    }
                  } catch (IOException e) {
                    failed.increment();
                    if (connection != null) {
                      connection.close();
                    }
                    connection = null;
                  }
                }
                if (connection != null) {
                  connection.close();
                }
                return null;
              }));
    }
    for (Future<?> future : running) {
      try {
        future.get();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
    workers.shutdown();
    Map<String, Map<String, Long>> counts = new TreeMap<>();
    events.forEach(
        (host, types) -> {
          Map<String, Long> byType = new TreeMap<>();
          types.forEach((type, n) -> byType.put(type, n.sum()));
          counts.put(host, byType);
        });
    return new Result(
        sent.sum(), failed.sum(), counts, Duration.ofNanos(System.nanoTime() - start));
  }

  /** One keep-alive HTTP/1.1 connection. */
  private static final class Connection {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Connection(String host, int port) throws IOException {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(host, port), 5_000);
      socket.setSoTimeout(60_000);
      in = new BufferedInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    int get(String path, String host) throws IOException {
      out.write(
          ("GET "
                  + path
                  + " HTTP/1.1\r\nHost: "
                  + host
                  + "\r\nUser-Agent: lambda-load/1.0\r\nAccept: */*\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = line();
      if (status == null || !status.startsWith("HTTP/1.")) {
        throw new IOException("no HTTP answer: " + status);
      }
      int code = Integer.parseInt(status.substring(9, 12));
      long length = -1;
      boolean close = false;
      String header;
      while ((header = line()) != null && !header.isEmpty()) {
        String lower = header.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(header.substring(15).strip());
        } else if (lower.startsWith("connection:") && lower.contains("close")) {
          close = true;
        }
      }
      if (length < 0) {
        throw new IOException("an answer without Content-Length");
      }
      in.skipNBytes(length);
      if (close) {
        close();
      }
      return code;
    }

    private String line() throws IOException {
      StringBuilder text = new StringBuilder();
      int c;
      while ((c = in.read()) != -1) {
        if (c == '\n') {
          int last = text.length() - 1;
          return last >= 0 && text.charAt(last) == '\r' ? text.substring(0, last) : text.toString();
        }
        text.append((char) c);
      }
      return text.length() == 0 ? null : text.toString();
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}

package io.lambdaflow.examples.pinterest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The seed's "looping dataset which POSTs into the api": posts {@link Pins} to {@code POST /pin} at
 * a rate, looping over the dataset (a pin posted again has the same unique id: the PostgreSQL table
 * keeps one row for it).
 */
public final class PinPoster {

  /**
   * What a run did.
   *
   * @param accepted pins the API acknowledged (Kafka has them)
   * @param refused pins the API refused with 400 (not JSON: nothing produced)
   * @param failed pins that got no answer or another status
   * @param firstFailure why the first failed pin failed, or null
   */
  public record Result(
      long accepted, long refused, long failed, Duration took, String firstFailure) {}

  private PinPoster() {}

  /**
   * Posts {@code count} pins, pin {@code i % datasetSize} at step {@code i}, at most {@code rate}
   * per second (0: as fast as {@code concurrency} connections go).
   */
  public static Result run(
      String baseUrl, long count, int datasetSize, double rate, int concurrency)
      throws InterruptedException {
    return run(baseUrl, count, datasetSize, rate, concurrency, Duration.ZERO, result -> {});
  }

  /**
   * As {@link #run(String, long, int, double, int)}, telling {@code progress} what has been done so
   * far every {@code every} (never when zero). At most {@code concurrency} requests are in flight:
   * a rate the API cannot keep up with slows the poster instead of queueing pins.
   */
  public static Result run(
      String baseUrl,
      long count,
      int datasetSize,
      double rate,
      int concurrency,
      Duration every,
      Consumer<Result> progress)
      throws InterruptedException {
    URI uri = URI.create(baseUrl + "/pin");
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    AtomicLong accepted = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    Instant started = Instant.now();
    long intervalNanos = rate > 0 ? (long) (1e9 / rate) : 0;
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    Semaphore inFlight = new Semaphore(concurrency);
    long reportNanos = every.toNanos();
    try {
      long next = System.nanoTime();
      long nextReport = System.nanoTime() + reportNanos;
      for (long i = 0; i < count; i++) {
        if (reportNanos > 0 && System.nanoTime() - nextReport >= 0) {
          progress.accept(
              new Result(
                  accepted.get(),
                  refused.get(),
                  failed.get(),
                  Duration.between(started, Instant.now()),
                  firstFailure.get()));
          nextReport += reportNanos;
        }
        if (intervalNanos > 0) {
          long wait = next - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait); // pacing the requests, not waiting for a condition
          }
          next += intervalNanos;
        }
        Pins.Pin pin = Pins.pin((int) (i % datasetSize));
        inFlight.acquire();
        pool.execute(
            () -> {
              try {
                HttpResponse<String> response =
                    client.send(
                        HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(pin.body()))
                            .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                  accepted.incrementAndGet();
                } else if (response.statusCode() == 400) {
                  refused.incrementAndGet();
                } else {
                  failed.incrementAndGet();
                  firstFailure.compareAndSet(
                      null, "HTTP " + response.statusCode() + ": " + response.body().strip());
                }
              } catch (IOException e) {
                failed.incrementAndGet();
                firstFailure.compareAndSet(
                    null,
                    e instanceof java.net.ConnectException
                        ? "nothing answers at " + uri + " (is `lambda ingest` running?)"
                        : e.getClass().getSimpleName() + ": " + e.getMessage());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed.incrementAndGet();
              } finally {
                inFlight.release();
              }
            });
      }
    } finally {
      pool.shutdown();
      pool.awaitTermination(5, TimeUnit.MINUTES);
    }
    return new Result(
        accepted.get(),
        refused.get(),
        failed.get(),
        Duration.between(started, Instant.now()),
        firstFailure.get());
  }
}

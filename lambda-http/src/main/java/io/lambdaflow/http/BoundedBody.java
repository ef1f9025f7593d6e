package io.lambdaflow.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.io.Content;

/**
 * Reads a request body of at most {@code max} bytes without blocking a thread. A longer body is
 * read on and thrown away up to {@link #DRAIN} bytes more, so that the 413 sent after it reaches
 * the client: a server that closes with the body unread resets the connection, and the client sees
 * the reset instead of the answer. Past that the connection is closed unread.
 */
final class BoundedBody implements Runnable {
  /** How much of a body over the limit is read and discarded before answering 413. */
  static final long DRAIN = 4L * 1024 * 1024;

  private final Content.Source source;
  private final int max;
  private final CompletableFuture<Optional<byte[]>> result = new CompletableFuture<>();
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private long seen;

  private BoundedBody(Content.Source source, int max) {
    this.source = source;
    this.max = max;
  }

  /**
   * The body, or empty when it is longer than {@code max}; completes exceptionally when reading
   * fails (the client went away or stalled past the idle timeout).
   */
  static CompletableFuture<Optional<byte[]>> read(Content.Source source, int max) {
    BoundedBody reader = new BoundedBody(source, max);
    reader.run();
    return reader.result;
  }

  @Override
  public void run() {
    while (true) {
      Content.Chunk chunk = source.read();
      if (chunk == null) {
        source.demand(this);
        return;
      }
      if (Content.Chunk.isFailure(chunk)) {
        result.completeExceptionally(chunk.getFailure());
        return;
      }
      ByteBuffer bytes = chunk.getByteBuffer();
      int length = bytes.remaining();
      if (seen + length <= max) {
        byte[] part = new byte[length];
        bytes.get(part);
        body.write(part, 0, length);
      }
      seen += length;
      boolean last = chunk.isLast();
      chunk.release();
      if (last || seen > max + DRAIN) {
        result.complete(seen <= max ? Optional.of(body.toByteArray()) : Optional.empty());
        return;
      }
    }
  }
}

package io.lambdaflow.layer;

import java.util.Optional;

/**
 * A running layer of a pipeline: the batch layer, the speed layer, the serving layer, or one of
 * your own. Every layer has the same lifecycle, so {@code lambda NAME FILE} runs any of them:
 *
 * <ol>
 *   <li>{@link #start()} starts the work and returns once it runs; a bounded layer (one whose
 *       factory is not {@link LayerFactory#continuous() continuous}, such as batch) does all of its
 *       work here;
 *   <li>{@link #await()} blocks until the layer has finished: at once for a bounded layer, until
 *       {@link #close()} or a failure for a continuous one;
 *   <li>{@link #close()} stops it and releases what it holds; safe to call more than once and from
 *       a shutdown hook while {@link #await()} blocks in another thread.
 * </ol>
 *
 * <p>What the layer has to tell its user (a run summary, the URL it serves at) it prints to {@link
 * LayerContext#out()}; progress goes to the log.
 */
public interface Layer extends AutoCloseable {

  /**
   * Starts the layer.
   *
   * @throws Exception when it cannot start or, for a bounded layer, when its work failed
   */
  void start() throws Exception;

  /**
   * Blocks until the layer has finished.
   *
   * @throws Exception when the layer failed while running
   */
  void await() throws Exception;

  /** Stops the layer; idempotent. */
  @Override
  void close();

  /**
   * The layer's answers to queries over the views it serves, in process, if it serves any (the
   * {@code serve} layer does); empty for others.
   */
  default Optional<AnswersQueries> answers() {
    return Optional.empty();
  }
}

package io.lambdaflow.pipeline;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.util.ShutdownHookManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.runtime.AbstractFunction0;
import scala.runtime.BoxedUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Stopping cleanly on SIGTERM or Ctrl-C while Spark still runs.
 *
 * <p>A plain JVM shutdown hook runs at the same time as Spark's own hooks, and Spark's executor
 * stops itself in one of them, so a micro-batch still running is aborted with pages of stack
 * traces; and a process ended by a signal exits 143 however cleanly it stopped. {@link
 * #onTermination} takes the signals instead: the first one runs the stop (finish the current
 * micro-batch, close what was started) while the JVM keeps running, so the program returns from
 * main and exits 0 with every hook; a second one ends the process at once, as usual. {@link
 * #beforeSpark} covers every other way to shut down.
 */
public final class ShutdownHooks {
  private static final Logger LOG = LoggerFactory.getLogger(ShutdownHooks.class);

  /** Above Spark's default (100: the executor) and SparkContext (50) priorities. */
  static final int BEFORE_SPARK = 200;

  private ShutdownHooks() {}

  /**
   * On the first SIGTERM or SIGINT, runs {@code stop} in a thread of its own; on the next one, the
   * JVM's usual handling (its shutdown hooks, then exit).
   */
  public static void onTermination(String what, Runnable stop) {
    AtomicBoolean stopping = new AtomicBoolean();
    for (String name : new String[] {"TERM", "INT"}) {
      SignalHandler[] previous = new SignalHandler[1];
      try {
        previous[0] =
            Signal.handle(
                new Signal(name),
                signal -> {
                  if (stopping.compareAndSet(false, true)) {
                    LOG.info("SIG{}: stopping {}", name, what);
                    Thread stopper = new Thread(stop, "lambda-stop");
                    stopper.start();
                  } else {
                    previous[0].handle(signal);
                  }
                });
      } catch (IllegalArgumentException e) {
        LOG.debug("cannot handle SIG{} here: {}", name, e.getMessage());
      }
    }
  }

  /** Runs {@code stop} on shutdown before Spark stops; returns a handle for {@link #remove}. */
  public static Object beforeSpark(Runnable stop) {
    return ShutdownHookManager.addShutdownHook(
        BEFORE_SPARK,
        new AbstractFunction0<BoxedUnit>() {
          @Override
          public BoxedUnit apply() {
            stop.run();
            return BoxedUnit.UNIT;
          }
        });
  }

  /** Removes a hook when its work is done; quietly does nothing once shutdown has begun. */
  public static void remove(Object hook) {
    try {
      ShutdownHookManager.removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down already
    }
  }
}

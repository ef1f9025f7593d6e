package io.lambdaflow.speed;

/**
 * Threads that write a micro-batch's views. Each inherits the starting thread's Spark properties
 * (the micro-batch's job group, so stopping the query cancels its jobs too), keeps whatever it
 * threw, and is waited for to its end before the micro-batch ends.
 */
final class ViewThreads {
  private ViewThreads() {}

  /** What a view thread runs. */
  interface Body {
    void run() throws Exception;
  }

  /** A started view thread. */
  static final class Running {
    private final Thread thread;
    private volatile Throwable failure;
    private volatile long ended;

    private Running(String name, Body body) {
      thread =
          new Thread(
              () -> {
                try {
                  body.run();
                } catch (Throwable e) { // Spark throws its checked SparkException undeclared
                  failure = e;
                } finally {
                  ended = System.nanoTime();
                }
              },
              name);
      thread.setDaemon(true);
    }

    /**
     * Waits for the thread to end, however long: a stopping query cancels its Spark jobs, so it
     * ends soon, and it must not write on into a replay of its micro-batch or read a cache already
     * dropped. An interrupt meanwhile is kept for the caller. Returns what the thread threw, or
     * null.
     */
    Throwable awaitEnd() {
      boolean interrupted = false;
      while (true) {
        try {
          thread.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return failure;
    }

    /** When the thread ended ({@link System#nanoTime()}); valid after {@link #awaitEnd}. */
    long ended() {
      return ended;
    }
  }

  /** Starts {@code body} on a view thread named {@code name}. */
  static Running start(String name, Body body) {
    Running running = new Running(name, body);
    running.thread.start();
    return running;
  }

  /**
   * What to throw for a failure caught on a view's thread: the exception itself, checked or not
   * (Spark throws its checked SparkException undeclared, and knows a stop by its own exceptions).
   */
  static Exception asThrown(Throwable failure) {
    if (failure instanceof Error error) {
      throw error;
    }
    return failure instanceof Exception e ? e : new IllegalStateException(failure);
  }
}

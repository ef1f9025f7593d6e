package io.lambdaflow.speed;

/** Threads that write a micro-batch's views: ended before the micro-batch, failures kept whole. */
final class ViewThreads {
  private ViewThreads() {}

  /**
   * Waits for {@code thread} to end, however long: a stopping query cancels its Spark jobs, so it
   * ends soon, and it must not write on into a replay of its micro-batch. An interrupt meanwhile is
   * kept for the caller.
   */
  static void awaitEnd(Thread thread) {
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

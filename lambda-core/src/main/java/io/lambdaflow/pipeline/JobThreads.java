package io.lambdaflow.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Threads that run Spark jobs beside the thread that starts them, so that several writes of one run
 * or micro-batch go at once: each write is a Spark job (or several) of its own, and while one's
 * driver plans its query or commits its files, another's tasks run. Each thread inherits the
 * starting thread's Spark properties (its job group, so cancelling that cancels these jobs too),
 * keeps whatever it threw, and is waited for to its end.
 */
public final class JobThreads {
  private JobThreads() {}

  /** What a thread runs. */
  public interface Body {
    void run() throws Exception;
  }

  /** What {@link #runAll} runs for each item. */
  public interface Each<T> {
    void run(T item) throws Exception;
  }

  /** A started thread. */
  public static final class Running {
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
     * Waits for the thread to end, however long: a stopping query or run cancels its Spark jobs, so
     * it ends soon, and it must not write on into a replay or read a cache already dropped. An
     * interrupt meanwhile is kept for the caller. Returns what the thread threw, or null.
     */
    public Throwable awaitEnd() {
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
    public long ended() {
      return ended;
    }
  }

  /** Starts {@code body} on a thread named {@code name}. */
  public static Running start(String name, Body body) {
    Running running = new Running(name, body);
    running.thread.start();
    return running;
  }

  /**
   * Runs {@code each} for every item at once, the first on this thread and the others on threads
   * named {@code prefix} and the item's {@code name}, and waits for all of them to end, whatever
   * happens. Throws what the earliest item in the list that failed threw, with what later ones
   * threw suppressed in it; an {@link Error} (out of memory) before any exception.
   */
  public static <T> void runAll(
      String prefix, List<T> items, Function<T, String> name, Each<T> each) throws Exception {
    if (items.isEmpty()) {
      return;
    }
    List<Running> others = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    try {
      for (T item : items.subList(1, items.size())) {
        others.add(start(prefix + name.apply(item), () -> each.run(item)));
      }
      each.run(items.get(0));
    } catch (Throwable e) { // Spark throws its checked SparkException undeclared
      failures.add(e); // or a thread could not start: those started are still waited for
    }
    for (Running other : others) {
      Throwable failure = other.awaitEnd();
      if (failure != null) {
        failures.add(failure);
      }
    }
    if (failures.isEmpty()) {
      return;
    }
    Throwable first =
        failures.stream().filter(f -> f instanceof Error).findFirst().orElse(failures.get(0));
    failures.stream().filter(f -> f != first).forEach(first::addSuppressed);
    throw asThrown(first);
  }

  /**
   * What to throw for a failure caught on another thread: the exception itself, checked or not
   * (Spark throws its checked SparkException undeclared, and knows a stop by its own exceptions).
   */
  public static Exception asThrown(Throwable failure) {
    if (failure instanceof Error error) {
      throw error;
    }
    return failure instanceof Exception e ? e : new IllegalStateException(failure);
  }
}

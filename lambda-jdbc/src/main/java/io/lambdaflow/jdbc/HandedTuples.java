package io.lambdaflow.jdbc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * COPY tuples that tasks running in the driver's JVM (Spark's local mode) leave in memory for the
 * driver's write, instead of sending them as task results: Spark would serialise each, store it as
 * a block and fetch that over its block transfer service, about a third of a second per 40 MB here
 * (measured in {@code bin/benchmark jdbc}) while the database waits. Kept per encoding job, only
 * while the driver's write of it is open, and per task attempt; counted against {@code
 * spark.driver.maxResultSize} as they are left, as Spark counts the results it receives. Tasks on
 * executors (other JVMs) find no open job here and send their tuples the usual way.
 */
final class HandedTuples {
  private static final Map<String, HandedTuples> OPEN = new ConcurrentHashMap<>();

  /** Whether writes hand tuples over in memory; tests clear it to take Spark's way. */
  static volatile boolean enabled = true;

  /** Partitions whose tuples a driver took from memory, for tests. */
  static final AtomicLong TAKEN = new AtomicLong();

  private final Map<Long, byte[]> parts = new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();
  private final long limit;

  private HandedTuples(long limit) {
    this.limit = limit;
  }

  /** What a task did with its tuples. */
  enum Left {
    /** Left in memory: the task returns only its attempt. */
    IN_MEMORY,
    /** Not left: the job's tuples would pass {@code spark.driver.maxResultSize}. */
    TOO_LARGE,
    /** Not left: no open write of the job in this JVM (an executor, or the write is over). */
    NOT_HERE
  }

  /**
   * On the driver: opens job {@code job} for tasks in this JVM to leave tuples in, up to {@code
   * limit} bytes in all (0: no limit), until {@link #close}.
   */
  static HandedTuples open(String job, long limit) {
    HandedTuples handed = new HandedTuples(limit);
    OPEN.put(job, handed);
    return handed;
  }

  /** On the driver: the write of {@code job} is over; what is left in it goes with it. */
  static void close(String job) {
    OPEN.remove(job);
  }

  /** Whether the driver's write of {@code job} is open in this JVM. */
  static boolean isOpen(String job) {
    return job != null && OPEN.containsKey(job);
  }

  /** Writes open now (none once every write returned), for tests. */
  static int openJobs() {
    return OPEN.size();
  }

  /**
   * On a task: leaves {@code tuples} of task attempt {@code attempt} for the driver of {@code job}.
   */
  static Left leave(String job, long attempt, byte[] tuples) {
    HandedTuples handed = job == null ? null : OPEN.get(job);
    if (handed == null) {
      return Left.NOT_HERE;
    }
    if (handed.limit > 0 && handed.bytes.addAndGet(tuples.length) > handed.limit) {
      return Left.TOO_LARGE;
    }
    handed.parts.put(attempt, tuples);
    return Left.IN_MEMORY;
  }

  /** On the driver: the tuples task attempt {@code attempt} left. */
  byte[] take(long attempt) {
    byte[] tuples = parts.remove(attempt);
    if (tuples == null) {
      throw new IllegalStateException("task attempt " + attempt + " left no tuples");
    }
    TAKEN.incrementAndGet();
    return tuples;
  }
}

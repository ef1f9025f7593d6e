package io.lambdaflow.jdbc;

import java.io.ByteArrayOutputStream;
import java.io.Serializable;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SimpleFutureAction;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.execution.SQLExecution;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.JavaConverters;
import scala.runtime.AbstractFunction0;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * A dataset's partitions encoded as binary COPY tuples ({@link PgBinaryCopy}) by the executors and
 * handed to the driver as each task finishes, so that the driver copies the first partition into
 * the database while the others are still encoding. Spark hands over one result per partition, the
 * one of the attempt it kept: a retried or speculative task's tuples are never copied twice.
 *
 * <p>A task running in the driver's JVM (Spark's local mode) leaves its tuples in {@link #HANDED}
 * and returns only their name: Spark would serialise them, store them as a block and fetch that
 * over its block transfer service, about a third of a second per 40 MB here (measured in {@code
 * bin/benchmark jdbc}), while the database waits.
 */
final class EncodedParts {
  private EncodedParts() {}

  /** The most a task encodes of its partition for the driver; past it the batch is staged. */
  static final int PART_LIMIT = 128 << 20;

  /**
   * Tuples left by tasks in the driver's JVM, per encoding job (a key only while its job runs) and
   * task attempt. Tests clear {@link #inMemory} to take Spark's way, as tasks on executors do.
   */
  private static final Map<String, Map<Long, byte[]>> HANDED = new ConcurrentHashMap<>();

  static volatile boolean inMemory = true;

  /** Partitions whose tuples the driver took from {@link #HANDED}, for tests. */
  static final AtomicLong TAKEN_FROM_MEMORY = new AtomicLong();

  /** Encoding jobs whose tuples may be left in memory now (none once every write returned). */
  static int jobsHandingOver() {
    return HANDED.size();
  }

  private static final String MAX_RESULT = "spark.driver.maxResultSize";

  /**
   * One partition's rows as COPY tuples, or, when {@code tuples} is null, left in {@link #HANDED}
   * under {@code job} and {@code attempt}; {@code rows} -1 for one past {@link #PART_LIMIT}.
   */
  record Encoded(long rows, byte[] tuples, String job, long attempt) implements Serializable {
    static Encoded tooLarge() {
      return new Encoded(-1, new byte[0], null, -1);
    }
  }

  /** Copies tuples, as they come, into the database; returns the rows it wrote. */
  @FunctionalInterface
  interface Copy {
    long copy(Iterator<byte[]> tuples) throws SQLException;
  }

  /**
   * Runs the encoding job, as an SQL execution of the dataset's own plan (metrics observed on it
   * are reported), and {@code copy} over its partitions; returns the rows written, or empty when a
   * partition encodes to more than {@link #PART_LIMIT} or all of them to more than {@code
   * spark.driver.maxResultSize}.
   *
   * @throws IllegalStateException when {@code copy} wrote another count of rows than were encoded;
   *     a failed job's own exception (Spark's, checked or not) is thrown as it is
   */
  static OptionalLong copy(
      QueryExecution execution, StructType schema, JdbcTarget target, Ledger.Batch batch, Copy copy)
      throws SQLException {
    AbstractFunction0<OptionalLong> run =
        new AbstractFunction0<>() {
          @Override
          public OptionalLong apply() {
            try {
              return copyAll(execution, schema, target, batch, copy);
            } catch (SQLException e) {
              throw new Refused(e);
            }
          }
        };
    try {
      return SQLExecution.withNewExecutionId(
          execution, Option.apply("jdbc " + target.sinkId()), run);
    } catch (Refused e) {
      throw e.refusal;
    } catch (TooLarge e) {
      return OptionalLong.empty(); // thrown through the execution, so it ends as failed
    }
  }

  private static OptionalLong copyAll(
      QueryExecution execution, StructType schema, JdbcTarget target, Ledger.Batch batch, Copy copy)
      throws SQLException {
    String name = UUID.randomUUID().toString();
    String handed = inMemory ? name : null;
    RDD<Encoded> encoded =
        execution.toRdd().toJavaRDD().mapPartitions(part -> encode(schema, part, handed)).rdd();
    BlockingQueue<Encoded> arrived = new LinkedBlockingQueue<>();
    Map<Long, byte[]> parts = new ConcurrentHashMap<>();
    HANDED.put(name, parts);
    SimpleFutureAction<BoxedUnit> job = null;
    try {
      job = submit(execution.sparkSession().sparkContext(), encoded, arrived);
      Arrivals tuples =
          new Arrivals(
              arrived,
              encoded.getNumPartitions(),
              job,
              parts,
              execution.sparkSession().sparkContext().getConf().getSizeAsBytes(MAX_RESULT, "1g"));
      long written = copy.copy(tuples);
      if (written != tuples.rows) {
        throw new IllegalStateException(
            "sink "
                + target.sinkId()
                + ": batch "
                + batch.id()
                + " encoded "
                + tuples.rows
                + " row(s), but COPY wrote "
                + written);
      }
      return OptionalLong.of(written);
    } catch (JobFailed e) {
      if (String.valueOf(e.getCause().getMessage()).contains(MAX_RESULT)) {
        throw new TooLarge();
      }
      // As the job threw it (an interruption or Spark's cancellation too): a stopping query knows
      // its own stop by it.
      throw JobFailed.<RuntimeException>unchecked(e.getCause());
    } finally {
      if (job != null && !job.isCompleted()) {
        job.cancel();
      }
      HANDED.remove(name); // what a task still running leaves now goes with its result
    }
  }

  /** Starts the job over every partition of {@code encoded}, queueing each result as it comes. */
  private static SimpleFutureAction<BoxedUnit> submit(
      SparkContext spark, RDD<Encoded> encoded, BlockingQueue<Encoded> arrived) {
    List<Object> all = new ArrayList<>();
    for (int i = 0; i < encoded.getNumPartitions(); i++) {
      all.add(i);
    }
    return spark.submitJob(
        encoded,
        new First(),
        JavaConverters.asScalaBuffer(all).toSeq(),
        new AbstractFunction2<Object, Encoded, BoxedUnit>() {
          @Override
          public BoxedUnit apply(Object partition, Encoded part) {
            arrived.add(part); // on Spark's scheduler thread: no waiting here
            return BoxedUnit.UNIT;
          }
        },
        new AbstractFunction0<BoxedUnit>() {
          @Override
          public BoxedUnit apply() {
            return BoxedUnit.UNIT;
          }
        });
  }

  /**
   * On an executor: a partition's rows as COPY tuples; left in {@link #HANDED} under {@code job}
   * when the task runs in the driver's JVM and the job is still running.
   */
  private static Iterator<Encoded> encode(StructType schema, Iterator<InternalRow> rows, String job)
      throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
    long count = 0;
    try (PgBinaryCopy encoder = PgBinaryCopy.tuples(bytes, schema)) {
      while (rows.hasNext()) {
        encoder.write(rows.next());
        count++;
        if ((count & 1023) == 0 && bytes.size() > PART_LIMIT) {
          return List.of(Encoded.tooLarge()).iterator(); // staged instead
        }
      }
    }
    byte[] tuples = bytes.toByteArray();
    long attempt = TaskContext.get().taskAttemptId();
    boolean driver = "driver".equals(SparkEnv.get().executorId()); // Spark's id of the local one
    // Atomic with the driver's removal of the job's map: a late task's tuples go the usual way.
    if (job != null
        && driver
        && HANDED.computeIfPresent(
                job,
                (name, parts) -> {
                  parts.put(attempt, tuples);
                  return parts;
                })
            != null) {
      return List.of(new Encoded(count, null, job, attempt)).iterator();
    }
    return List.of(new Encoded(count, tuples, null, attempt)).iterator();
  }

  /** A partition's one result. */
  private static final class First
      extends AbstractFunction1<scala.collection.Iterator<Encoded>, Encoded>
      implements Serializable {
    @Override
    public Encoded apply(scala.collection.Iterator<Encoded> part) {
      return part.next();
    }
  }

  /**
   * The partitions' tuples in the order their tasks finish, waiting for each. Those left in memory
   * count against {@code spark.driver.maxResultSize} as Spark counts results it receives.
   */
  private static final class Arrivals implements Iterator<byte[]> {
    private final BlockingQueue<Encoded> arrived;
    private final int partitions;
    private final SimpleFutureAction<BoxedUnit> job;
    private final Map<Long, byte[]> handed;
    private final long maxResultSize;
    private int taken;
    private long rows;
    private long inMemory;

    Arrivals(
        BlockingQueue<Encoded> arrived,
        int partitions,
        SimpleFutureAction<BoxedUnit> job,
        Map<Long, byte[]> handed,
        long maxResultSize) {
      this.arrived = arrived;
      this.partitions = partitions;
      this.job = job;
      this.handed = handed;
      this.maxResultSize = maxResultSize;
    }

    /** The tuples of {@code part}, from memory if its task left them there. */
    private byte[] tuples(Encoded part) {
      if (part.tuples() != null) {
        return part.tuples();
      }
      byte[] tuples = handed.remove(part.attempt());
      if (tuples == null) {
        throw new IllegalStateException("task attempt " + part.attempt() + " left no tuples");
      }
      TAKEN_FROM_MEMORY.incrementAndGet();
      inMemory += tuples.length;
      if (maxResultSize > 0 && inMemory > maxResultSize) {
        throw new TooLarge();
      }
      return tuples;
    }

    @Override
    public boolean hasNext() {
      return taken < partitions;
    }

    @Override
    public byte[] next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      try {
        while (true) {
          Encoded part = arrived.poll(50, TimeUnit.MILLISECONDS);
          if (part != null && part.rows() < 0) {
            throw new TooLarge();
          }
          if (part != null) {
            taken++;
            rows += part.rows();
            return tuples(part);
          }
          if (job.isCompleted() && arrived.isEmpty()) {
            Try<BoxedUnit> outcome = job.value().get();
            throw new JobFailed(
                outcome.isFailure()
                    ? outcome.failed().get()
                    : new IllegalStateException("the job ended with partitions missing"));
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JobFailed(e);
      }
    }
  }

  /** The encoding job failed (its cause), while the tuples were being copied. */
  private static final class JobFailed extends RuntimeException {
    JobFailed(Throwable cause) {
      super(cause);
    }

    /** Throws {@code failure} as it is, checked or not (Spark's own exceptions are checked). */
    @SuppressWarnings("unchecked")
    static <T extends Throwable> T unchecked(Throwable failure) throws T {
      throw (T) failure;
    }
  }

  /** A partition, or all of them, too large to pass through the driver. */
  private static final class TooLarge extends RuntimeException {
    TooLarge() {
      super("too large for the driver", null, false, false);
    }
  }

  /** The database refused the COPY, carried out of Spark's execution scope. */
  private static final class Refused extends RuntimeException {
    private final SQLException refusal;

    Refused(SQLException refusal) {
      super(refusal);
      this.refusal = refusal;
    }
  }
}

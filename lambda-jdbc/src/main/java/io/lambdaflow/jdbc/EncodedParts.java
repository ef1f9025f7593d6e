package io.lambdaflow.jdbc;

import java.io.ByteArrayOutputStream;
import java.io.Serializable;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SimpleFutureAction;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.execution.SQLExecution;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.JavaConverters;
import scala.concurrent.Await;
import scala.concurrent.duration.Duration;
import scala.runtime.AbstractFunction0;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * A dataset's partitions encoded as binary COPY tuples ({@link PgBinaryCopy}) by the executors and
 * handed to the driver as each task finishes, so that the driver copies the first partition into
 * the database while the others are still encoding. Spark hands over one result per partition, the
 * one of the attempt it kept: a retried or speculative task's tuples are never copied twice. Tasks
 * in the driver's JVM (local mode) leave their tuples in memory instead ({@link HandedTuples}).
 */
final class EncodedParts {
  private EncodedParts() {}

  /** The most a task encodes of its partition for the driver; past it the batch is staged. */
  static final int PART_LIMIT = 128 << 20;

  private static final String MAX_RESULT = "spark.driver.maxResultSize";

  /**
   * One partition's rows as COPY tuples, or, when {@code tuples} is null, left in memory by task
   * attempt {@code attempt}; {@code rows} -1 for one too large to pass through the driver (or not
   * encoded, the write being over).
   */
  record Encoded(long rows, byte[] tuples, long attempt) implements Serializable {
    static Encoded tooLarge() {
      return new Encoded(-1, new byte[0], -1);
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
   * spark.driver.maxResultSize}. Before returning empty or throwing the database's refusal (the
   * batch is staged next) it waits for the job's tasks to end rather than killing them: a killed
   * task's observed metrics are dropped, and a micro-batch the sink keeps cached would not compute
   * them again.
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
    String job = HandedTuples.enabled ? name : null;
    RDD<Encoded> encoded =
        execution.toRdd().toJavaRDD().mapPartitions(part -> encode(schema, part, job)).rdd();
    BlockingQueue<Encoded> arrived = new LinkedBlockingQueue<>();
    SparkContext spark = execution.sparkSession().sparkContext();
    HandedTuples handed = HandedTuples.open(name, spark.getConf().getSizeAsBytes(MAX_RESULT, "1g"));
    SimpleFutureAction<BoxedUnit> running = null;
    boolean staging = false;
    try {
      running = submit(spark, encoded, arrived);
      Arrivals tuples = new Arrivals(arrived, encoded.getNumPartitions(), running, handed);
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
    } catch (TooLarge | SQLException e) {
      staging = true;
      throw e;
    } catch (JobFailed e) {
      if (String.valueOf(e.getCause().getMessage()).contains(MAX_RESULT)) {
        throw new TooLarge();
      }
      // As the job threw it (an interruption or Spark's cancellation too): a stopping query knows
      // its own stop by it.
      throw JobFailed.<RuntimeException>unchecked(e.getCause());
    } finally {
      HandedTuples.close(name); // tasks still encoding stop; what they made goes with the write
      if (running != null && !running.isCompleted()) {
        if (staging) {
          awaitQuietly(running);
        } else {
          running.cancel();
        }
      }
    }
  }

  /** Waits for {@code job} to end, however it ends; an interruption cancels it instead. */
  private static void awaitQuietly(SimpleFutureAction<BoxedUnit> job) {
    try {
      Await.ready(job, Duration.Inf());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      job.cancel();
    } catch (Exception e) {
      // it ended: how does not matter here
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
   * On an executor: a partition's rows as COPY tuples, left in memory for the driver of {@code job}
   * when it is in this JVM. Stops early when that write is over (the batch is being staged).
   */
  private static Iterator<Encoded> encode(StructType schema, Iterator<InternalRow> rows, String job)
      throws Exception {
    boolean local = HandedTuples.isOpen(job);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
    long count = 0;
    try (PgBinaryCopy encoder = PgBinaryCopy.tuples(bytes, schema)) {
      while (rows.hasNext()) {
        encoder.write(rows.next());
        count++;
        if ((count & 1023) == 0
            && (bytes.size() > PART_LIMIT || local && !HandedTuples.isOpen(job))) {
          return List.of(Encoded.tooLarge()).iterator(); // staged instead
        }
      }
    }
    byte[] tuples = bytes.toByteArray();
    long attempt = TaskContext.get().taskAttemptId();
    return List.of(
            switch (HandedTuples.leave(job, attempt, tuples)) {
              case IN_MEMORY -> new Encoded(count, null, attempt);
              case TOO_LARGE -> Encoded.tooLarge();
              case NOT_HERE -> new Encoded(count, tuples, attempt);
            })
        .iterator();
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

  /** The partitions' tuples in the order their tasks finish, waiting for each. */
  private static final class Arrivals implements Iterator<byte[]> {
    private final BlockingQueue<Encoded> arrived;
    private final int partitions;
    private final SimpleFutureAction<BoxedUnit> job;
    private final HandedTuples handed;
    private int taken;
    private long rows;

    Arrivals(
        BlockingQueue<Encoded> arrived,
        int partitions,
        SimpleFutureAction<BoxedUnit> job,
        HandedTuples handed) {
      this.arrived = arrived;
      this.partitions = partitions;
      this.job = job;
      this.handed = handed;
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
            return part.tuples() != null ? part.tuples() : handed.take(part.attempt());
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

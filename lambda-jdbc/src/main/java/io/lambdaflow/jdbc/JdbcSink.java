package io.lambdaflow.jdbc;

import io.lambdaflow.spi.InvalidOptionException;
import io.lambdaflow.spi.Rejections;
import io.lambdaflow.spi.StreamWriteContext;
import io.lambdaflow.spi.SupportsBatchWrite;
import io.lambdaflow.spi.SupportsStreamWrite;
import io.lambdaflow.spi.WriteContext;
import java.sql.SQLException;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jdbc sink: see {@link DirectCopy} and {@link StagedWrite} for how a batch is written exactly
 * once.
 */
final class JdbcSink implements SupportsBatchWrite, SupportsStreamWrite {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcSink.class);

  private final JdbcTarget target;
  private final boolean createTable;

  JdbcSink(JdbcTarget target, boolean createTable) {
    this.target = target;
    this.createTable = createTable;
  }

  @Override
  public void writeBatch(Dataset<Row> data, WriteContext context) {
    long rows;
    // A batch run writes its sinks at once; its jdbc sinks take turns, so that the rows a direct
    // write holds on the driver (up to DirectCopy.LIMIT) are held for one sink at a time, and two
    // sinks of the run into one new table on a database other than PostgreSQL do not both create
    // it (in PostgreSQL, sinks of any process making tables at once: see PgLedger).
    synchronized (JdbcSink.class) {
      prepare(data);
      rows =
          write(
              target,
              data,
              new Ledger.Batch(context.writeId(), context.reads(), false),
              context.rejections());
    }
    LOG.info(
        "sink {}: {} row(s) into {} ({})", target.sinkId(), rows, target.table(), target.mode());
  }

  @Override
  public boolean replaces() {
    return target.mode().equals("overwrite");
  }

  @Override
  public StreamingQuery startStream(Dataset<Row> data, StreamWriteContext context)
      throws TimeoutException {
    prepare(data);
    JdbcTarget streamed = target;
    Rejections rejections = context.rejections();
    // What each micro-batch reads, from the checkpoint: tells a replay from a reused batch id.
    VoidFunction2<Dataset<Row>, Long> write =
        (batch, id) -> {
          Ledger.Batch written =
              new Ledger.Batch(String.valueOf(id), context.batchOffsets(id), true);
          if (!DirectCopy.tried(streamed)) {
            write(streamed, batch, written, rejections);
            return;
          }
          // Tried directly and then staged, a micro-batch is read twice; its rows are kept as the
          // first read makes them, so the second does not run the query's plan again (which would
          // count the stream's observed metrics for that micro-batch twice).
          batch.persist();
          try {
            write(
                streamed,
                Dataset.ofRows(batch.sparkSession(), batch.logicalPlan()),
                written,
                rejections);
          } finally {
            batch.unpersist(false);
          }
        };
    return context.writer(data).foreachBatch(write).start();
  }

  @Override
  public void validateOutputMode(String outputMode) {
    if (target.mode().equals("overwrite")) {
      throw new InvalidOptionException(
          JdbcSinkFactory.MODE.key(),
          "mode = overwrite replaces the table in a batch run; the speed layer appends or upserts");
    }
    if (!outputMode.equals("append") && !target.mode().equals("upsert")) {
      throw new InvalidOptionException(
          JdbcSinkFactory.MODE.key(),
          "output-mode = " + outputMode + " rewrites rows: use mode = upsert with a key");
    }
  }

  /** One batch, exactly once: through the driver in one COPY where it can, staged otherwise. */
  private static long write(
      JdbcTarget target, Dataset<Row> data, Ledger.Batch batch, Rejections rejections) {
    OptionalLong direct = DirectCopy.write(target, data, batch);
    if (direct.isPresent()) {
      return direct.getAsLong();
    }
    // Planned afresh, so that a batch run's observed metrics count the data once even when the
    // direct write ran the plan before (a micro-batch is read from what the direct write kept).
    return StagedWrite.write(
        target, Dataset.ofRows(data.sparkSession(), data.logicalPlan()), batch, rejections);
  }

  /** The table created or checked and the ledger made, before any row. */
  private void prepare(Dataset<Row> data) {
    try {
      target.database().prepare(target, data.schema(), createTable);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot prepare table " + target.table() + ": " + e.getMessage(), e);
    }
  }
}

package io.lambdaflow.jdbc;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.OptionalLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.types.StructType;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends and overwrites into PostgreSQL with every row written once. Executors encode their
 * partitions as binary COPY tuples and hand them to the driver as each task finishes ({@link
 * EncodedParts}); the driver, in one transaction under the sink's advisory lock, records the batch
 * in the {@link Ledger} and streams the tuples into the table with one COPY. Nothing is staged or
 * merged: the batch's rows become visible with its ledger record, all at once, or not at all. The
 * batch passes through the driver, so a batch run takes this way only when Spark estimates it at
 * {@link #LIMIT} or less; a micro-batch (whose size Spark does not know) always tries it. Either is
 * staged by {@link StagedWrite} instead when it is too large to pass through the driver (a
 * partition past {@link EncodedParts#PART_LIMIT} encoded, or all past {@code
 * spark.driver.maxResultSize}), or has a row the database refuses (whose refused rows go to the
 * dead letters one by one); upserts and other databases are always staged.
 */
final class DirectCopy {
  private static final Logger LOG = LoggerFactory.getLogger(DirectCopy.class);

  /** The largest batch, as Spark estimates its size, that is written through the driver. */
  static final long LIMIT = 256L << 20;

  private DirectCopy() {}

  /** Whether batches for {@code target} are tried this way (else they are always staged). */
  static boolean tried(JdbcTarget target) {
    return target.database() instanceof Postgres && !target.mode().equals("upsert");
  }

  /** Writes {@code data} as {@code batch}: the rows written (0 for a replay), or empty to stage. */
  static OptionalLong write(JdbcTarget target, Dataset<Row> data, Ledger.Batch batch) {
    if (!tried(target)) {
      return OptionalLong.empty();
    }
    Database database = target.database();
    QueryExecution execution = data.queryExecution();
    // A micro-batch's size is unknown to Spark (its source reports none), and bounded by the
    // trigger: it is tried, the limits of EncodedParts stopping one too large for the driver.
    if (!batch.micro()) {
      BigInteger estimate = execution.optimizedPlan().stats().sizeInBytes().bigInteger();
      if (estimate.compareTo(BigInteger.valueOf(LIMIT)) > 0) {
        LOG.debug(
            "sink {}: batch {} estimated at {} bytes: staged",
            target.sinkId(),
            batch.id(),
            estimate);
        return OptionalLong.empty();
      }
    }
    if (StagedWrite.committedBefore(target, database, batch)) {
      return OptionalLong.of(0); // a replay: not even read again
    }
    try {
      return copy(target, (Postgres) database, execution, data.schema(), batch);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot write batch " + batch.id() + " to " + target.table() + ": " + e.getMessage(), e);
    }
  }

  /**
   * On the driver: one transaction records the batch in the ledger, then COPYs each partition's
   * tuples as its task delivers them (the first while the others are still encoding).
   */
  private static OptionalLong copy(
      JdbcTarget target,
      Postgres database,
      QueryExecution execution,
      StructType schema,
      Ledger.Batch batch)
      throws SQLException {
    String ledger = database.ledger(target);
    try (Connection connection = target.connect()) {
      connection.setAutoCommit(false);
      try {
        database.lock(connection, target);
        if (Ledger.has(connection, database, ledger, target, batch)) {
          connection.rollback();
          StagedWrite.replayed(target, batch.id());
          return OptionalLong.of(0);
        }
        Ledger.record(connection, database, ledger, target, batch);
        StagedWrite.emptyForOverwrite(connection, database, target);
        OptionalLong written =
            EncodedParts.copy(
                execution,
                schema,
                target,
                batch,
                tuples -> copyIn(connection, target, database, schema, tuples));
        if (written.isEmpty()) {
          connection.rollback();
          LOG.warn(
              "sink {}: batch {} is too large to pass through the driver (a partition past {} MB"
                  + " of COPY data, or all past spark.driver.maxResultSize); staging it on the"
                  + " executors",
              target.sinkId(),
              batch.id(),
              EncodedParts.PART_LIMIT >> 20);
          return written;
        }
        Ledger.count(connection, database, ledger, target, batch, written.getAsLong());
        connection.commit();
        return written;
      } catch (SQLException e) {
        StagedWrite.rollback(connection, e);
        if (!RowByRow.refusedData(e)) {
          throw e;
        }
        StagedWrite.refused(target, batch, e, "staging the batch");
        return OptionalLong.empty();
      } catch (RuntimeException e) {
        StagedWrite.rollback(connection, e);
        throw e;
      }
    }
  }

  private static long copyIn(
      Connection connection,
      JdbcTarget target,
      Postgres database,
      StructType schema,
      Iterator<byte[]> tuples)
      throws SQLException {
    CopyIn copy =
        connection
            .unwrap(PGConnection.class)
            .getCopyAPI()
            .copyIn(
                "COPY "
                    + database.table(target)
                    + " ("
                    + String.join(", ", database.targetColumns(connection, target, schema))
                    + ") FROM STDIN (FORMAT binary)");
    try {
      byte[] header = PgBinaryCopy.header();
      copy.writeToCopy(header, 0, header.length);
      while (tuples.hasNext()) {
        byte[] part = tuples.next();
        copy.writeToCopy(part, 0, part.length);
      }
      byte[] trailer = PgBinaryCopy.trailer();
      copy.writeToCopy(trailer, 0, trailer.length);
      return copy.endCopy();
    } finally {
      if (copy.isActive()) {
        copy.cancelCopy();
      }
    }
  }
}

package io.lambdaflow.jdbc;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

import io.lambdaflow.spi.Horizon;
import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.spi.ReadContext;
import io.lambdaflow.spi.SupportsBatchRead;
import io.lambdaflow.spi.SupportsHorizon;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.TimestampType;

/**
 * A table or query read with Spark's JDBC reader. With a horizon column, records carry {@link
 * MetadataColumns#PARTITION} (the source's table or query, one partition) and {@link
 * MetadataColumns#OFFSET} (the column's value; for a timestamp, microseconds since 1970), and a
 * batch run reads the rows between the last horizon and the column's maximum now.
 */
class JdbcSource implements SupportsBatchRead {
  /** The one horizon partition of a jdbc source. */
  static final String PARTITION = "rows";

  record Settings(
      String url,
      String user,
      String password,
      Optional<String> table,
      Optional<String> query,
      Optional<String> partitionColumn,
      Optional<String> lowerBound,
      Optional<String> upperBound,
      int partitions,
      int fetchSize,
      Optional<String> horizonColumn) {}

  final Settings settings;

  JdbcSource(Settings settings) {
    this.settings = settings;
  }

  /**
   * The source for {@code settings}: one that reads up to a horizon when it has a column for it.
   */
  static JdbcSource of(Settings settings) {
    return settings.horizonColumn().isPresent()
        ? new WithHorizon(settings)
        : new JdbcSource(settings);
  }

  /** What is read: the table, or the query as a derived table. */
  String relation() {
    return settings
        .table()
        .orElseGet(() -> "(" + settings.query().orElseThrow() + ") AS lambda_query");
  }

  DataFrameReader reader(ReadContext context, String relation) {
    DataFrameReader reader =
        context
            .spark()
            .read()
            .format("jdbc")
            .option("url", settings.url())
            .option("dbtable", relation)
            .option("fetchsize", settings.fetchSize());
    if (!settings.user().isEmpty()) {
      reader = reader.option("user", settings.user());
    }
    if (!settings.password().isEmpty()) {
      reader = reader.option("password", settings.password());
    }
    if (settings.partitionColumn().isPresent()) {
      reader =
          reader
              .option("partitionColumn", settings.partitionColumn().get())
              .option("lowerBound", settings.lowerBound().orElseThrow())
              .option("upperBound", settings.upperBound().orElseThrow())
              .option("numPartitions", settings.partitions());
    }
    return reader;
  }

  @Override
  public Dataset<Row> readBatch(ReadContext context) {
    Dataset<Row> rows = reader(context, relation()).load();
    return settings.horizonColumn().isPresent() ? placed(rows) : rows;
  }

  /** The horizon column's value as the record's offset, and its position. */
  Dataset<Row> placed(Dataset<Row> rows) {
    String column = settings.horizonColumn().orElseThrow();
    Column offset =
        rows.schema().apply(column).dataType() instanceof TimestampType
            ? org.apache.spark.sql.functions.unix_micros(col(column))
            : col(column).cast("long");
    return rows.withColumn(MetadataColumns.PARTITION, lit(PARTITION))
        .withColumn(MetadataColumns.OFFSET, offset)
        .withColumn(
            MetadataColumns.POSITION,
            concat(
                lit(settings.table().orElse("query") + "@" + column + "="),
                col(column).cast("string")));
  }

  static long offset(Object max) {
    if (max instanceof Timestamp timestamp) {
      Instant instant = timestamp.toInstant();
      return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
    }
    return ((Number) max).longValue();
  }

  static Instant micros(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000);
  }

  Connection connect() throws SQLException {
    Properties properties = new Properties();
    if (!settings.user().isEmpty()) {
      properties.setProperty("user", settings.user());
    }
    if (!settings.password().isEmpty()) {
      properties.setProperty("password", settings.password());
    }
    return DriverManager.getConnection(settings.url(), properties);
  }

  /** A jdbc source with a horizon column: what the lambda contract's batch runs read. */
  static final class WithHorizon extends JdbcSource implements SupportsHorizon {
    /** The horizon of an empty table. */
    private static final long EMPTY = Long.MIN_VALUE;

    WithHorizon(Settings settings) {
      super(settings);
    }

    @Override
    public Horizon horizon(ReadContext context) {
      String column = settings.horizonColumn().orElseThrow();
      try (Connection connection = connect();
          Statement statement = connection.createStatement();
          ResultSet result =
              statement.executeQuery("SELECT max(" + column + ") FROM " + relation())) {
        result.next();
        Object max = result.getObject(1);
        return new Horizon(Map.of(PARTITION, max == null ? EMPTY : offset(max) + 1));
      } catch (SQLException e) {
        throw new IllegalStateException(
            "cannot read the horizon (max of "
                + column
                + ") of "
                + relation()
                + ": "
                + e.getMessage(),
            e);
      }
    }

    @Override
    public Dataset<Row> readRange(ReadContext context, Horizon from, Horizon to) {
      String column = settings.horizonColumn().orElseThrow();
      Optional<Long> start = from.end(PARTITION).filter(s -> s != EMPTY);
      Optional<Long> end = to.end(PARTITION).filter(e -> e != EMPTY);
      Dataset<Row> rows = reader(context, relation()).load();
      if (end.isEmpty()) {
        return placed(rows.where(lit(false)));
      }
      boolean timestamp = rows.schema().apply(column).dataType() instanceof TimestampType;
      Column value = rows.col(column);
      Column range = value.lt(bound(end.get(), timestamp));
      if (start.isPresent()) {
        range = value.geq(bound(start.get(), timestamp)).and(range);
      }
      return placed(rows.where(range));
    }

    private static Column bound(long offset, boolean timestamp) {
      return timestamp ? lit(Timestamp.from(micros(offset))) : lit(offset);
    }
  }
}

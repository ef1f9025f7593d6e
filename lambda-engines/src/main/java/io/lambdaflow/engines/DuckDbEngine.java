package io.lambdaflow.engines;

import io.lambdaflow.engine.Engine;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.spi.MetadataColumns;
import io.lambdaflow.views.MergeSql;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;
import org.duckdb.DuckDBResultSetMetaData;
import org.duckdb.StatementReturnType;

/**
 * DuckDB in this process, in memory: each view's Parquet files are loaded into tables (sorted by
 * the view's keys, so lookups skip most of the data) when they change, and queries run on pooled
 * connections. User queries are checked by DuckDB's own parser ({@link DuckDbQueryCheck}) and run
 * in a read-only transaction (DuckDB refuses any write in it), with external access off and the
 * configuration locked, results streamed (the row cap applies as rows come) and cancelled at their
 * time limit.
 */
final class DuckDbEngine implements Engine {
  private final DuckDBConnection root;
  private final ConcurrentLinkedQueue<Connection> pool = new ConcurrentLinkedQueue<>();
  private static final String BATCH = MetadataColumns.PREFIX + "batch";

  /** Cancels queries past their time limit. */
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "lambda-duckdb-timeout");
            thread.setDaemon(true);
            return thread;
          });

  private final Map<String, String> kinds = new HashMap<>();

  /** A maintained table's rows: live, and deleted since it was built (DuckDB keeps them). */
  record TableRows(long live, long dead) {}

  private final Map<String, TableRows> maintained = new HashMap<>();
  private final MergeSql merge = new MergeSql(this::quote);

  /**
   * @param allowedDirectories the folders Parquet files may be read from
   * @param memoryLimit the most memory DuckDB takes, in bytes
   * @param spillDirectory where sorts and joins larger than memory spill
   * @param threads DuckDB's worker threads; empty for DuckDB's default (one per core)
   */
  DuckDbEngine(
      List<String> allowedDirectories,
      long memoryLimit,
      String spillDirectory,
      java.util.Optional<Integer> threads) {
    try {
      Class.forName("org.duckdb.DuckDBDriver");
      java.util.Properties properties = new java.util.Properties();
      properties.setProperty(DuckDBDriver.JDBC_STREAM_RESULTS, "true");
      root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:", properties);
      try (Statement statement = root.createStatement()) {
        statement.execute("SET TimeZone = 'UTC'");
        String allowed =
            allowedDirectories.stream()
                .map(d -> "'" + (d.endsWith("/") ? d : d + "/").replace("'", "''") + "'")
                .collect(Collectors.joining(", ", "[", "]"));
        statement.execute("SET allowed_directories = " + allowed);
        statement.execute("SET memory_limit = '" + Math.max(1, memoryLimit >> 20) + "MiB'");
        statement.execute("SET temp_directory = '" + spillDirectory.replace("'", "''") + "'");
        if (threads.isPresent()) {
          statement.execute("SET threads = " + threads.get());
        }
        statement.execute("SET enable_external_access = false");
        statement.execute("SET lock_configuration = true");
      }
    } catch (ClassNotFoundException | SQLException e) {
      throw new IllegalStateException("cannot start DuckDB: " + e.getMessage(), e);
    }
  }

  @Override
  public String name() {
    return "duckdb";
  }

  /** Its queries over a whole merged view then scan the batch rows without aggregating them. */
  @Override
  public boolean servesBatchRowsApart() {
    return true;
  }

  /** An aggregate view is kept merged as a table, updated for its speed part's keys. */
  @Override
  public boolean maintainsTables() {
    return true;
  }

  @Override
  public String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  @Override
  public void apply(List<Change> changes) {
    apply(changes, Runnable::run);
  }

  /**
   * One transaction: queries (in their own read-only transactions) go on seeing the relations as
   * they were until {@code commit} runs the COMMIT.
   */
  @Override
  public synchronized void apply(List<Change> changes, Consumer<Runnable> commit) {
    Map<String, String> kindsBefore = new HashMap<>(kinds);
    Map<String, TableRows> maintainedBefore = new HashMap<>(maintained);
    AtomicBoolean committed = new AtomicBoolean();
    try (Statement statement = root.createStatement()) {
      statement.execute("BEGIN TRANSACTION");
      try {
        for (Change change : changes) {
          apply(statement, change);
        }
        commit.accept(
            () -> {
              try {
                statement.execute("COMMIT");
              } catch (SQLException e) {
                throw new IllegalStateException("DuckDB refused a refresh: " + e.getMessage(), e);
              }
              committed.set(true);
            });
      } catch (SQLException | RuntimeException | Error e) {
        if (!committed.get()) {
          kinds.clear();
          kinds.putAll(kindsBefore);
          maintained.clear();
          maintained.putAll(maintainedBefore);
          // On a statement of its own: DuckDB closes the statement that failed.
          try (Statement rollback = root.createStatement()) {
            rollback.execute("ROLLBACK");
          } catch (SQLException rollback) {
            e.addSuppressed(rollback); // a failed COMMIT ended the transaction itself
          }
        }
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB refused a refresh: " + e.getMessage(), e);
    }
  }

  private void apply(Statement statement, Change change) throws SQLException {
    if (change instanceof ParquetTable table) {
      createTable(
          statement,
          table.name(),
          "SELECT * FROM read_parquet(" + files(table.files()) + ")",
          table.orderBy());
    } else if (change instanceof MaintainedTable table) {
      TableRows rows = maintained.get(table.name());
      if (rows != null
          && kinds.containsKey(table.name())
          && table.update().isPresent()
          && rows.dead() <= rows.live()) {
        long deleted = statement.executeUpdate(table.update().get().delete());
        long inserted = statement.executeUpdate(table.update().get().insert());
        maintained.put(
            table.name(), new TableRows(rows.live() - deleted + inserted, rows.dead() + deleted));
      } else {
        // New, or as many rows deleted since it was built as it holds: built afresh, which
        // gives the memory of the deleted rows back.
        createTable(statement, table.name(), narrowed(statement, table.build()), table.orderBy());
        try (ResultSet count =
            statement.executeQuery("SELECT COUNT(*) FROM " + quote(table.name()))) {
          count.next();
          maintained.put(table.name(), new TableRows(count.getLong(1), 0));
        }
      }
    } else if (change instanceof HorizonTable horizon) {
      statement.execute(
          "CREATE OR REPLACE TABLE "
              + quote(horizon.name())
              + " (source VARCHAR, part VARCHAR, end_offset BIGINT)");
      try (DuckDBAppender appender = root.createAppender("main", horizon.name())) {
        for (HorizonRow row : horizon.rows()) {
          appender.beginRow();
          appender.append(row.source());
          appender.append(row.part());
          appender.append(row.endOffset());
          appender.endRow();
        }
      }
      kinds.put(horizon.name(), "TABLE");
    } else if (change instanceof SpeedRows rows) {
      boolean exists = kinds.containsKey(rows.name());
      if (exists && !rows.removed().isEmpty() && !rows.rebuild()) {
        statement.execute(
            "DELETE FROM "
                + quote(rows.name())
                + " WHERE "
                + quote(BATCH)
                + " IN ("
                + rows.removed().stream().map(String::valueOf).collect(Collectors.joining(", "))
                + ")");
      }
      boolean create = rows.rebuild() || !exists;
      for (SpeedFiles batch : rows.added()) {
        String select = merge.pastHorizon(batchRows(batch), quote(rows.horizon()));
        statement.execute(
            (create
                    ? "CREATE OR REPLACE TABLE " + quote(rows.name()) + " AS "
                    : "INSERT INTO " + quote(rows.name()) + " BY NAME ")
                + select);
        create = false;
      }
      kinds.put(rows.name(), "TABLE");
    } else if (change instanceof QueryTable table) {
      statement.execute("CREATE OR REPLACE TABLE " + quote(table.name()) + " AS " + table.sql());
      kinds.put(table.name(), "TABLE");
    } else if (change instanceof View view) {
      statement.execute("CREATE OR REPLACE VIEW " + quote(view.name()) + " AS " + view.sql());
      kinds.put(view.name(), "VIEW");
    } else if (change instanceof Drop drop) {
      maintained.remove(drop.name());
      String kind = kinds.remove(drop.name());
      if (kind != null) {
        statement.execute("DROP " + kind + " IF EXISTS " + quote(drop.name()));
      }
    }
  }

  /** Creates (or replaces) table {@code name} holding the rows of {@code query}, ordered. */
  private void createTable(Statement statement, String name, String query, List<String> orderBy)
      throws SQLException {
    statement.execute(
        "CREATE OR REPLACE TABLE "
            + quote(name)
            + " AS "
            + query
            + (orderBy.isEmpty()
                ? ""
                : " ORDER BY "
                    + orderBy.stream().map(this::quote).collect(Collectors.joining(", "))));
    kinds.put(name, "TABLE");
  }

  /**
   * {@code query} with its HUGEINT columns as BIGINT, the type Spark gives the same sums and
   * counts. DuckDB sums integers into HUGEINT; a table column of that type scans several times
   * slower once rows of the table are deleted (measured: a sum over a million rows 3 ms as built,
   * 17 ms after 2% of its rows were deleted and inserted again; 3 ms both as BIGINT). A sum past
   * BIGINT fails the refresh, as the batch view's own sum would have failed in Spark.
   */
  private String narrowed(Statement statement, String query) throws SQLException {
    List<String> wide = new ArrayList<>();
    try (ResultSet columns = statement.executeQuery("DESCRIBE " + query)) {
      while (columns.next()) {
        if ("HUGEINT".equals(columns.getString("column_type"))) {
          wide.add(quote(columns.getString("column_name")));
        }
      }
    }
    if (wide.isEmpty()) {
      return query;
    }
    return "SELECT * REPLACE ("
        + wide.stream()
            .map(c -> "CAST(" + c + " AS BIGINT) AS " + c)
            .collect(Collectors.joining(", "))
        + ") FROM ("
        + query
        + ")";
  }

  /** One micro-batch's rows with its id, as a relation. */
  private String batchRows(SpeedFiles batch) {
    return "(SELECT *, CAST("
        + batch.batchId()
        + " AS BIGINT) AS "
        + quote(BATCH)
        + " FROM read_parquet("
        + files(batch.files())
        + "))";
  }

  private static String files(List<String> files) {
    return files.stream()
        .map(f -> "'" + f.replace("'", "''") + "'")
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** A maintained table's rows, for tests. */
  synchronized TableRows maintainedRows(String table) {
    return maintained.get(table);
  }

  @Override
  public void checkQuery(String sql, Set<String> relations) {
    Connection connection = pool.poll();
    try {
      if (connection == null) {
        connection = root.duplicate();
      }
      DuckDbQueryCheck.check(connection, sql, relations);
    } catch (SQLException e) {
      throw new IllegalArgumentException(PipelineRunException.firstLine(e), e);
    } finally {
      if (connection != null) {
        pool.offer(connection);
      }
    }
  }

  @Override
  public QueryResult query(String sql, List<Object> parameters, int maxRows, Duration timeout) {
    Connection connection = pool.poll();
    AtomicBoolean timedOut = new AtomicBoolean();
    try {
      if (connection == null) {
        connection = root.duplicate();
      }
      try (Statement transaction = connection.createStatement()) {
        transaction.execute("BEGIN TRANSACTION READ ONLY");
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
          ResultSetMetaData shape = statement.getMetaData();
          if (shape instanceof DuckDBResultSetMetaData duck
              && duck.getReturnType() != StatementReturnType.QUERY_RESULT) {
            throw new IllegalArgumentException(
                "only read-only queries are served; this statement changes data or settings");
          }
          for (int i = 0; i < parameters.size(); i++) {
            statement.setObject(i + 1, parameters.get(i));
          }
          ScheduledFuture<?> cancel =
              TIMER.schedule(
                  () -> {
                    timedOut.set(true);
                    cancelQuietly(statement);
                  },
                  timeout.toMillis(),
                  TimeUnit.MILLISECONDS);
          try (ResultSet results = statement.executeQuery()) {
            return read(results, maxRows);
          } finally {
            cancel.cancel(false);
          }
        } finally {
          transaction.execute("ROLLBACK");
        }
      }
    } catch (SQLException e) {
      if (timedOut.get()) {
        throw new IllegalArgumentException(Engine.timeoutMessage(timeout), e);
      }
      throw new IllegalArgumentException(PipelineRunException.firstLine(e), e);
    } finally {
      if (connection != null) {
        pool.offer(connection);
      }
    }
  }

  private static void cancelQuietly(Statement statement) {
    try {
      statement.cancel();
    } catch (SQLException e) {
      // it finished or closed meanwhile
    }
  }

  private static QueryResult read(ResultSet results, int maxRows) throws SQLException {
    ResultSetMetaData meta = results.getMetaData();
    List<String> columns = new ArrayList<>();
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      columns.add(meta.getColumnLabel(i));
    }
    List<List<Object>> rows = new ArrayList<>();
    boolean truncated = false;
    while (results.next()) {
      if (rows.size() == maxRows) {
        truncated = true;
        break;
      }
      List<Object> row = new ArrayList<>(columns.size());
      for (int i = 1; i <= columns.size(); i++) {
        row.add(QueryResult.normalize(results.getObject(i)));
      }
      rows.add(row);
    }
    return new QueryResult(columns, rows, truncated);
  }

  @Override
  public synchronized void close() {
    Connection connection;
    while ((connection = pool.poll()) != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // closing anyway
      }
    }
    try {
      root.close();
    } catch (SQLException e) {
      // closing anyway
    }
  }
}

package io.lambdaflow.engine;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A query engine the serving layer defines relations in and queries. Relations are replaced in
 * batches ({@link #apply}) so that a query sees all of a refresh or none of it.
 *
 * <p>Engines are plugins: an {@link EngineFactory} listed in {@code
 * META-INF/services/io.lambdaflow.engine.EngineFactory} creates one, chosen by {@code
 * serving.engine { type = NAME }}. Built in: {@code duckdb} and {@code spark}.
 */
public interface Engine extends AutoCloseable {

  /** The engine's name in config and answers, as its factory names it. */
  String name();

  /**
   * Whether the engine reads files on any Hadoop file system (hdfs://, s3a://) itself. When it does
   * not (the default), the serving layer copies remote view files into its local cache first and
   * gives the engine local paths.
   */
  default boolean readsAnyFileSystem() {
    return false;
  }

  /**
   * Whether an aggregate view is served with its batch rows apart ({@code MergeSql.merged}: the
   * batch rows whose key the speed part lacks as they are, the rest combined), which spares queries
   * over the whole view a second aggregation of the batch view; otherwise as one aggregation of
   * both parts ({@code MergeSql.mergedByKey}), fewer operators to plan. The default, false, is the
   * latter.
   */
  default boolean servesBatchRowsApart() {
    return false;
  }

  /**
   * Whether the engine changes a table in place ({@link MaintainedTable}), so an aggregate view can
   * be kept merged as a table that each refresh updates for the keys of its speed part only, and
   * queries over it scan that table. The default, false: views merge their parts as they are read.
   */
  default boolean maintainsTables() {
    return false;
  }

  /** Quotes an identifier by the engine's rule. */
  String quote(String identifier);

  /** One change to the engine's relations. */
  sealed interface Change {}

  /**
   * A relation over Parquet files (materialized where the engine caches), ordered by {@code
   * orderBy} where that speeds up lookups.
   */
  record ParquetTable(String name, List<String> files, List<String> orderBy) implements Change {}

  /** A horizon relation with columns source, part, end_offset. */
  record HorizonTable(String name, List<HorizonRow> rows) implements Change {}

  /** A relation holding the result of a query over other relations. */
  record QueryTable(String name, String sql) implements Change {}

  /**
   * A view's speed rows past the horizon relation {@code horizon}, kept by micro-batch in a table
   * with the batch id in column {@code _lambda_batch}: the rows of {@code removed} batches go, the
   * rows of {@code added} batches come in, so a refresh reads only what is new. {@code rebuild}
   * starts from none; an engine that cannot change a relation in place rebuilds it from {@code all}
   * (every batch now served, {@code added} among them).
   */
  record SpeedRows(
      String name,
      String horizon,
      List<SpeedFiles> all,
      List<SpeedFiles> added,
      List<Long> removed,
      boolean rebuild)
      implements Change {}

  /** The Parquet files of one speed micro-batch. */
  record SpeedFiles(long batchId, List<String> files) {}

  /**
   * A table kept across refreshes: built by query {@code build} (ordered by {@code orderBy}) when
   * it does not exist yet, when there is no {@code update}, or when the engine judges it changed
   * enough to be built afresh; otherwise changed in place by {@code update}. Only for engines that
   * {@link Engine#maintainsTables()}.
   */
  record MaintainedTable(String name, String build, List<String> orderBy, Optional<Update> update)
      implements Change {}

  /** The statements that change a maintained table in place: its rows deleted, then inserted. */
  record Update(String delete, String insert) {}

  /** A view users query by name. */
  record View(String name, String sql) implements Change {}

  /** Removes a relation no longer used. */
  record Drop(String name) implements Change {}

  /** One partition's end in a horizon relation. */
  record HorizonRow(String source, String part, long endOffset) {}

  /** Applies changes in order, as one step where the engine allows. */
  void apply(List<Change> changes);

  /**
   * Applies changes as {@link #apply(List)} does, the step made visible to queries by a commit
   * handed to {@code commit}, which runs it: the serving layer runs it under its write lock with
   * what it publishes, so queries wait for the commit only, not for the whole step. The default
   * hands over the whole step (for engines whose changes show one by one).
   */
  default void apply(List<Change> changes, Consumer<Runnable> commit) {
    commit.accept(() -> apply(changes));
  }

  /**
   * Decides, with the engine's own parser, whether untrusted {@code sql} may run: exactly one
   * statement, a query, reading nothing but {@code relations} (the served views, by name) and what
   * it defines itself. Nothing is executed.
   *
   * @throws IllegalArgumentException saying why it is refused
   */
  void checkQuery(String sql, Set<String> relations);

  /**
   * Runs a query (checked by {@link #checkQuery}, or built by the serving layer) where it cannot
   * write, with positional {@code ?} parameters. Rows are counted as they are produced and at most
   * {@code maxRows} are kept; a query still running after {@code timeout} is cancelled.
   *
   * @throws IllegalArgumentException when the query fails, or ran past {@code timeout}
   */
  QueryResult query(String sql, List<Object> parameters, int maxRows, Duration timeout);

  @Override
  void close();

  /** What a client is told when its query ran past {@code serving.query-timeout}. */
  static String timeoutMessage(Duration timeout) {
    return "the query ran longer than "
        + (timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms")
        + " (serving.query-timeout) and was cancelled";
  }
}

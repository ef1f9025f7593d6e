package io.lambdaflow.jdbc;

import static io.lambdaflow.spi.ConfigOption.optional;

import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.OptionRule;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.SourceFactory;
import io.lambdaflow.spi.SourceSpec;

/**
 * {@code type = jdbc}: a table or a query of a database, read by the batch layer, in parallel
 * partitions when asked, and up to a horizon (an increasing column) for the lambda contract.
 */
public final class JdbcSourceFactory implements SourceFactory {
  static final ConfigOption<String> TABLE =
      optional("table", OptionTypes.string(), "The table to read: schema.table, or table.");
  static final ConfigOption<String> QUERY =
      optional("query", OptionTypes.string(), "A SELECT to read instead of a table.");
  static final ConfigOption<String> PARTITION_COLUMN =
      optional(
          "partition-column",
          OptionTypes.string(),
          "A numeric, date or timestamp column to split the read by, with lower-bound,"
              + " upper-bound and partitions (rows outside the bounds are still read).");
  static final ConfigOption<String> LOWER_BOUND =
      optional("lower-bound", OptionTypes.string(), "partition-column's low end.");
  static final ConfigOption<String> UPPER_BOUND =
      optional("upper-bound", OptionTypes.string(), "partition-column's high end.");
  static final ConfigOption<Integer> PARTITIONS =
      optional("partitions", OptionTypes.integer(), 1, "Parallel reads (connections).");
  static final ConfigOption<Integer> FETCH_SIZE =
      optional("fetch-size", OptionTypes.integer(), 10_000, "Rows fetched per round trip.");
  static final ConfigOption<String> HORIZON_COLUMN =
      optional(
          "horizon-column",
          OptionTypes.string(),
          "An increasing integer or timestamp column (an id, or an updated-at): each batch run"
              + " of the lambda contract reads the rows past the last run's maximum, so the table"
              + " can feed the master dataset and views. A row updated later is read again, as a"
              + " new fact.");

  private static final Options DECLARED =
      Options.of(
              JdbcSinkFactory.URL,
              JdbcSinkFactory.USER,
              JdbcSinkFactory.PASSWORD,
              TABLE,
              QUERY,
              PARTITION_COLUMN,
              LOWER_BOUND,
              UPPER_BOUND,
              PARTITIONS,
              FETCH_SIZE,
              HORIZON_COLUMN)
          .withRules(
              OptionRule.exactlyOne(TABLE, QUERY),
              config ->
                  config.isSet(PARTITION_COLUMN)
                          && !(config.isSet(LOWER_BOUND) && config.isSet(UPPER_BOUND))
                      ? java.util.List.of(
                          new OptionRule.Violation(
                              PARTITION_COLUMN.key(),
                              "partition-column needs lower-bound and upper-bound"))
                      : java.util.List.of());

  @Override
  public String name() {
    return "jdbc";
  }

  @Override
  public String description() {
    return "Reads a table or query of a database (JDBC), in parallel partitions, up to a horizon"
        + " (an increasing column) for the lambda contract.";
  }

  @Override
  public Options options() {
    return DECLARED;
  }

  @Override
  public SourceSpec create(PluginConfig config, PluginContext context) {
    return JdbcSource.of(
        new JdbcSource.Settings(
            config.get(JdbcSinkFactory.URL),
            config.get(JdbcSinkFactory.USER),
            config.get(JdbcSinkFactory.PASSWORD),
            config.find(TABLE),
            config.find(QUERY),
            config.find(PARTITION_COLUMN),
            config.find(LOWER_BOUND),
            config.find(UPPER_BOUND),
            config.get(PARTITIONS),
            config.get(FETCH_SIZE),
            config.find(HORIZON_COLUMN)));
  }
}

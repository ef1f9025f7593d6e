package io.lambdaflow.jdbc;

import static io.lambdaflow.spi.ConfigOption.optional;
import static io.lambdaflow.spi.ConfigOption.required;

import io.lambdaflow.spi.ConfigOption;
import io.lambdaflow.spi.InvalidOptionException;
import io.lambdaflow.spi.OptionRule;
import io.lambdaflow.spi.OptionTypes;
import io.lambdaflow.spi.Options;
import io.lambdaflow.spi.PluginConfig;
import io.lambdaflow.spi.PluginContext;
import io.lambdaflow.spi.SinkFactory;
import io.lambdaflow.spi.SinkSpec;
import java.util.List;

/**
 * {@code type = jdbc}: rows into a PostgreSQL table, batch and streaming, each batch exactly once
 * (binary COPY into a staging table, then one transaction that merges it and records it in a
 * ledger).
 */
public final class JdbcSinkFactory implements SinkFactory {
  static final ConfigOption<String> URL =
      required(
          "url",
          OptionTypes.string(),
          "The database's JDBC URL: jdbc:postgresql://host:5432/database (the fast path), or any"
              + " database whose JDBC driver is on the classpath. Put the password in 'password',"
              + " not here.");
  static final ConfigOption<String> USER =
      optional("user", OptionTypes.string(), "", "The user to connect as.");
  static final ConfigOption<String> PASSWORD =
      optional(
              "password",
              OptionTypes.string(),
              "",
              "The user's password; take it from the environment: password = ${?PGPASSWORD}.")
          .secret();
  static final ConfigOption<String> TABLE =
      required(
          "table",
          OptionTypes.string(),
          "The table: schema.table, or table (PostgreSQL: in public).");
  static final ConfigOption<String> MODE =
      optional(
          "mode",
          OptionTypes.oneOf("append", "upsert", "overwrite"),
          "append",
          "append adds every row; upsert inserts or updates by 'key' (the last row of a key in a"
              + " batch wins); overwrite (batch layer) replaces the table's rows.");
  static final ConfigOption<List<String>> KEY =
      optional("key", OptionTypes.stringList(), List.of(), "upsert: the key columns.");
  static final ConfigOption<Boolean> CREATE_TABLE =
      optional(
          "create-table",
          OptionTypes.bool(),
          true,
          "Create the table from the data's columns when it does not exist (with 'key' as its"
              + " primary key).");
  static final ConfigOption<String> SINK_ID =
      optional(
          "sink-id",
          OptionTypes.string(),
          "The sink's name in the ledger table (lambda_ledger), which records every batch"
              + " committed; default: pipeline.sink. Keep it when you move checkpoints.");

  private static final Options DECLARED =
      Options.of(URL, USER, PASSWORD, TABLE, MODE, KEY, CREATE_TABLE, SINK_ID)
          .withRules(
              OptionRule.requiredIf(KEY, MODE, "upsert"), OptionRule.onlyIf(KEY, MODE, "upsert"));

  @Override
  public String name() {
    return "jdbc";
  }

  @Override
  public String description() {
    return "Writes rows to a database table, exactly once per batch: staged (PostgreSQL: binary"
        + " COPY; others: batched INSERTs), then one transaction merging the batch and recording it"
        + " in a ledger (append, overwrite; upsert in PostgreSQL).";
  }

  @Override
  public Options options() {
    return DECLARED;
  }

  @Override
  public SinkSpec create(PluginConfig config, PluginContext context) {
    String url = config.get(URL);
    if (!url.startsWith("jdbc:")) {
      throw new InvalidOptionException(
          URL.key(), "expected a JDBC URL, such as jdbc:postgresql://host:port/database");
    }
    if (config.get(MODE).equals("upsert") && !url.startsWith("jdbc:postgresql:")) {
      throw new InvalidOptionException(
          MODE.key(),
          "mode = upsert needs PostgreSQL (INSERT ... ON CONFLICT); other databases append or"
              + " overwrite");
    }
    return new JdbcSink(
        new JdbcTarget(
            url,
            config.get(USER),
            config.get(PASSWORD),
            config.get(TABLE),
            config.find(SINK_ID).orElse(context.pipelineName() + "." + context.nodeName()),
            config.get(MODE),
            config.get(KEY)),
        config.get(CREATE_TABLE));
  }
}

package io.lambdaflow.jdbc;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

/**
 * Where a jdbc sink writes, as the driver and every executor need it (serializable: it travels with
 * the tasks).
 *
 * @param url the JDBC URL
 * @param user the user, empty for the URL's own
 * @param password the password, empty for none
 * @param table the target table, {@code schema.table} or {@code table}
 * @param sinkId the ledger's key for this sink: the same across restarts and lost checkpoints
 * @param mode append, upsert or overwrite
 * @param key the upsert key columns
 */
record JdbcTarget(
    String url,
    String user,
    String password,
    String table,
    String sinkId,
    String mode,
    List<String> key)
    implements Serializable {

  static final String LEDGER = "lambda_ledger";

  Connection connect() throws SQLException {
    Properties properties = new Properties();
    if (!user.isEmpty()) {
      properties.setProperty("user", user);
    }
    if (!password.isEmpty()) {
      properties.setProperty("password", password);
    }
    properties.setProperty("ApplicationName", "lambdaflow " + sinkId);
    return DriverManager.getConnection(url, properties);
  }

  /** The database at {@link #url}: PostgreSQL, or another through Spark's JDBC dialects. */
  Database database() {
    return url.startsWith("jdbc:postgresql:") ? new Postgres() : new OtherDatabase(url);
  }

  /** The target table, as SQL names it. */
  String quotedTable() {
    return database().table(this);
  }

  /** The ledger of committed batches, beside the target. */
  String ledger() {
    return database().ledger(this);
  }

  @Override
  public String toString() {
    return "JdbcTarget[" + table + " at " + url + ", sink " + sinkId + ", " + mode + "]";
  }
}

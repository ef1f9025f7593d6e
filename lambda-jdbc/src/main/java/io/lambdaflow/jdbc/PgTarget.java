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
record PgTarget(
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

  /** The target table, quoted. */
  String quotedTable() {
    return PgTypes.quoteTable(table);
  }

  /** The ledger of committed batches, in the target's schema. */
  String ledger() {
    return PgTypes.quote(PgTypes.schemaOf(table)) + "." + PgTypes.quote(LEDGER);
  }

  /**
   * The staging table of batch {@code batch} of this sink, in the target's schema: its name holds
   * the sink and the batch (within PostgreSQL's 63 characters, a hash of both when they are long).
   */
  String stage(String batch) {
    String name =
        ("lambda_stage_" + sinkId + "_" + batch).replaceAll("[^A-Za-z0-9_]", "_").toLowerCase();
    if (name.length() > 63) {
      name = name.substring(0, 50) + "_" + Integer.toHexString((sinkId + "\n" + batch).hashCode());
    }
    return PgTypes.quote(PgTypes.schemaOf(table)) + "." + PgTypes.quote(name);
  }

  @Override
  public String toString() {
    return "PgTarget[" + table + " at " + url + ", sink " + sinkId + ", " + mode + "]";
  }
}

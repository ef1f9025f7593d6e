package io.lambdaflow.jdbc;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What {@link StagedWrite} needs of a database beyond portable SQL: names, tables, how a task
 * stages its rows, and a lock. {@link Postgres} stages with binary COPY; {@link OtherDatabase} (any
 * JDBC driver on the classpath) with batched INSERTs and Spark's dialect for column types. Travels
 * with the tasks.
 */
interface Database extends Serializable {
  /** {@code identifier} quoted. */
  String quote(String identifier);

  /** The dataset's columns, quoted, in order. */
  default List<String> columns(StructType schema) {
    List<String> columns = new ArrayList<>();
    for (StructField field : schema.fields()) {
      columns.add(quote(field.name()));
    }
    return columns;
  }

  /** The staging table's columns, quoted: the dataset's, then partition, task attempt and place. */
  default List<String> stagedColumns(StructType schema) {
    List<String> columns = columns(schema);
    for (String tag : List.of("_lambda_part", "_lambda_task", "_lambda_seq")) {
      columns.add(quote(tag));
    }
    return columns;
  }

  /** The target table, as SQL names it. */
  String table(JdbcTarget target);

  /** The ledger table beside the target. */
  String ledger(JdbcTarget target);

  /** The staging table of batch {@code batch} of the target's sink. */
  String stage(JdbcTarget target, String batch);

  /**
   * Before any row: the target created from {@code schema} (when absent and allowed) or checked
   * column by column, and the ledger created when absent.
   *
   * @throws IllegalArgumentException for a table whose columns do not fit the data
   */
  void prepare(JdbcTarget target, StructType schema, boolean createTable) throws SQLException;

  /** Creates the staging table {@code stage}, dropping what an earlier attempt left there. */
  void createStage(JdbcTarget target, String stage, StructType schema) throws SQLException;

  /**
   * On an executor, in the task's own transaction (committed by the caller): {@code rows} into
   * {@code stage}, each with its partition, task attempt and place; returns how many.
   */
  long stageRows(
      Connection connection,
      String stage,
      StructType schema,
      Iterator<InternalRow> rows,
      int part,
      long task)
      throws Exception;

  /**
   * The target's columns for the dataset's fields, in order and quoted: the fields' names in
   * PostgreSQL (checked to be there as they are), the table's own spelling elsewhere (a database
   * may have folded an unquoted name to upper case).
   */
  List<String> targetColumns(Connection connection, JdbcTarget target, StructType schema)
      throws SQLException;

  /** Serialises merges of the target's sink until the transaction ends, where the database can. */
  void lock(Connection connection, JdbcTarget target) throws SQLException;

  /** Whether the database merges upserts ({@code INSERT ... ON CONFLICT}). */
  boolean upserts();
}

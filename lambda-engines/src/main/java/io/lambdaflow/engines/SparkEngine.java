package io.lambdaflow.engines;

import io.lambdaflow.engine.Engine;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.pipeline.PipelineRunException;
import io.lambdaflow.views.MergeSql;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Spark SQL as the serving engine, for views larger than one machine: views are temporary views in
 * a session of their own over the Parquet files where they lie (the speed part, small, is cached).
 * Slower per query than DuckDB, same answers.
 */
final class SparkEngine implements Engine {
  private static final StructType HORIZON =
      new StructType()
          .add("source", DataTypes.StringType, false)
          .add("part", DataTypes.StringType, false)
          .add("end_offset", DataTypes.LongType, false);

  private static final AtomicLong QUERIES = new AtomicLong();
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "lambda-spark-query-timeout");
            thread.setDaemon(true);
            return thread;
          });

  private final SparkSession spark;
  private final Map<String, Dataset<Row>> cached = new HashMap<>();
  private final MergeSql merge = new MergeSql(this::quote);

  SparkEngine(SparkSession spark) {
    this.spark = spark.newSession();
  }

  @Override
  public String name() {
    return "spark";
  }

  /** Spark reads hdfs://, s3a:// and local files alike: no copies into the serving cache. */
  @Override
  public boolean readsAnyFileSystem() {
    return true;
  }

  @Override
  public String quote(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }

  @Override
  public synchronized void apply(List<Change> changes) {
    for (Change change : changes) {
      if (change instanceof ParquetTable table) {
        spark
            .read()
            .parquet(table.files().toArray(String[]::new))
            .createOrReplaceTempView(table.name());
      } else if (change instanceof HorizonTable horizon) {
        List<Row> rows = new ArrayList<>();
        horizon
            .rows()
            .forEach(r -> rows.add(RowFactory.create(r.source(), r.part(), r.endOffset())));
        spark.createDataFrame(rows, HORIZON).createOrReplaceTempView(horizon.name());
      } else if (change instanceof SpeedRows rows) {
        // Temporary views do not change in place: the rows are read again from every batch.
        String files = rows.name() + "__files";
        spark
            .read()
            .parquet(rows.all().stream().flatMap(b -> b.files().stream()).toArray(String[]::new))
            .createOrReplaceTempView(files);
        cache(rows.name(), merge.pastHorizon(quote(files), quote(rows.horizon())));
        spark.catalog().dropTempView(files);
      } else if (change instanceof QueryTable table) {
        cache(table.name(), table.sql());
      } else if (change instanceof MaintainedTable table) {
        // Cached data frames do not change in place: built whole each time.
        cache(table.name(), table.build());
      } else if (change instanceof View view) {
        spark.sql(view.sql()).createOrReplaceTempView(view.name());
      } else if (change instanceof Drop drop) {
        spark.catalog().dropTempView(drop.name());
        Dataset<Row> data = cached.remove(drop.name());
        if (data != null) {
          data.unpersist();
        }
      }
    }
  }

  private void cache(String name, String sql) {
    Dataset<Row> data = spark.sql(sql).persist(StorageLevel.MEMORY_ONLY());
    data.count();
    data.createOrReplaceTempView(name);
    Dataset<Row> previous = cached.put(name, data);
    if (previous != null) {
      previous.unpersist();
    }
  }

  @Override
  public void checkQuery(String sql, Set<String> relations) {
    LogicalPlan parsed;
    try {
      parsed = spark.sessionState().sqlParser().parsePlan(sql);
    } catch (StackOverflowError e) {
      throw new IllegalArgumentException("the query is nested too deeply to check; simplify it");
    } catch (Exception e) { // Spark's ParseException is checked but undeclared
      throw new IllegalArgumentException(PipelineRunException.firstLine(e), e);
    }
    SparkQueryCheck.check(parsed, relations);
  }

  @Override
  public QueryResult query(String sql, List<Object> parameters, int maxRows, Duration timeout) {
    String group = "lambda-serving-query-" + QUERIES.incrementAndGet();
    SparkContext context = spark.sparkContext();
    AtomicBoolean timedOut = new AtomicBoolean();
    ScheduledFuture<?> cancel = null;
    context.setJobGroup(group, "serving query", true);
    try {
      Dataset<Row> result =
          parameters.isEmpty() ? spark.sql(sql) : spark.sql(sql, parameters.toArray());
      cancel =
          TIMER.schedule(
              () -> {
                timedOut.set(true);
                context.cancelJobGroup(group);
              },
              timeout.toMillis(),
              TimeUnit.MILLISECONDS);
      List<Row> rows = result.limit(maxRows + 1).collectAsList();
      List<List<Object>> values = new ArrayList<>();
      for (Row row : rows.subList(0, Math.min(rows.size(), maxRows))) {
        List<Object> raw = new ArrayList<>(row.size());
        for (int i = 0; i < row.size(); i++) {
          raw.add(row.get(i));
        }
        values.add(QueryResult.normalizeRow(raw));
      }
      return new QueryResult(List.of(result.columns()), values, rows.size() > maxRows);
    } catch (Exception e) { // Spark throws checked AnalysisException undeclared
      if (timedOut.get()) {
        throw new IllegalArgumentException(Engine.timeoutMessage(timeout), e);
      }
      throw new IllegalArgumentException(PipelineRunException.firstLine(e), e);
    } finally {
      if (cancel != null) {
        cancel.cancel(false);
      }
      context.clearJobGroup();
    }
  }

  @Override
  public synchronized void close() {
    cached.values().forEach(Dataset::unpersist);
    cached.clear();
  }
}

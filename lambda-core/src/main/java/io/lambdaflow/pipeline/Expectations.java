package io.lambdaflow.pipeline;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import io.lambdaflow.spi.DeadLetters;
import io.lambdaflow.spi.MetadataColumns;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Applies a stage's {@link Expectation}s to its output, the same way in every layer: one observed
 * metric ({@code Dataset.observe}) counts each expectation's failing records and the records
 * dropped and quarantined; above it, {@code fail} stops the job at a failing record ({@link
 * #MARKER} and the record in its message), then quarantined records split off as dead letters and
 * dropped ones are left out. A record failing both a {@code drop} and a {@code quarantine}
 * expectation is quarantined: nothing leaves a run uncounted and unexplained.
 */
public final class Expectations {
  /** How a {@code fail} expectation's message starts, found again in Spark's wrapped errors. */
  static final String MARKER = "data-quality expectation '";

  /** The observed metric's column counting records left out by {@code drop}. */
  public static final String DROPPED = "_dropped";

  /** The observed metric's column counting records sent to the dead letters. */
  public static final String QUARANTINED = "_quarantined";

  /** How much of a failing record a {@code fail} expectation's message shows, in characters. */
  private static final int RECORD_SHOWN = 500;

  private static final String METRIC_PREFIX = "expectations.";
  private static final AtomicLong PLANS = new AtomicLong();
  private static final Pattern RAISED =
      Pattern.compile("(" + Pattern.quote(MARKER) + ".*?)(?: SQLSTATE: P0001|\\n|$)");

  /**
   * A stage's expectations as planned.
   *
   * @param stage the transform or view they belong to
   * @param expectations its expectations, in declared order
   * @param metric the name of the observed metric counting them; unique to one planning
   * @param kept the stage's records that go on
   * @param quarantined the records for the dead letters, with {@code reason} and {@code raw}, if
   *     any expectation quarantines
   */
  public record Check(
      String stage,
      List<Expectation> expectations,
      String metric,
      Dataset<Row> kept,
      Optional<Dataset<Row>> quarantined) {
    public Check {
      expectations = List.copyOf(expectations);
    }
  }

  private Expectations() {}

  /** A new suffix for the metric names of one planning, so that no two plannings share one. */
  static long nextPlan() {
    return PLANS.incrementAndGet();
  }

  /**
   * Applies {@code expectations} of {@code stage} to {@code data}; plan is from {@link #nextPlan}.
   */
  static Check apply(String stage, List<Expectation> expectations, Dataset<Row> data, long plan) {
    List<String> columns =
        Arrays.stream(data.columns()).filter(c -> !MetadataColumns.isMetadata(c)).toList();
    // Nulls shown: a failing condition is often about a missing value.
    Column record =
        to_json(
            struct(columns.stream().map(Expectations::quoted).toArray(Column[]::new)),
            java.util.Map.of("ignoreNullFields", "false"));
    List<Column> failures = new ArrayList<>();
    for (Expectation expectation : expectations) {
      if (expectation.policy() == Expectation.Policy.FAIL) {
        Column failure =
            when(
                not(passes(expectation)),
                raise_error(
                    concat(
                        lit(
                            MARKER
                                + expectation.name()
                                + "' of '"
                                + stage
                                + "' failed (on-failure = fail): "
                                + expectation.condition()
                                + "; record "),
                        org.apache.spark.sql.functions.substring(record, 1, RECORD_SHOWN))));
        failures.add(failure.isNull());
      }
    }
    List<Column> metrics = new ArrayList<>();
    Column quarantineOk = lit(true);
    Column dropOk = lit(true);
    List<Column> reasons = new ArrayList<>();
    for (Expectation expectation : expectations) {
      metrics.add(sum(when(passes(expectation), 0L).otherwise(1L)).alias(expectation.name()));
      if (expectation.policy() == Expectation.Policy.QUARANTINE) {
        quarantineOk = quarantineOk.and(passes(expectation));
        reasons.add(when(not(passes(expectation)), lit(expectation.reason())));
      } else if (expectation.policy() == Expectation.Policy.DROP) {
        dropOk = dropOk.and(passes(expectation));
      }
    }
    metrics.add(sum(when(quarantineOk.and(not(dropOk)), 1L).otherwise(0L)).alias(DROPPED));
    metrics.add(sum(when(quarantineOk, 0L).otherwise(1L)).alias(QUARANTINED));
    String metric = METRIC_PREFIX + stage + "." + plan;
    Dataset<Row> observed =
        data.observe(metric, count(lit(1)).alias("records"), metrics.toArray(Column[]::new));
    // Above the observed metric, which Spark pushes no filter through: a fail check pushed below
    // a transform's own filters or joins would stop a run for a record the transform drops.
    Dataset<Row> checked = observed;
    for (Column failure : failures) {
      checked = checked.where(failure);
    }
    Optional<Dataset<Row>> quarantined =
        reasons.isEmpty()
            ? Optional.empty()
            : Optional.of(
                checked
                    .where(not(quarantineOk))
                    .withColumn(DeadLetters.REASON, concat_ws("; ", reasons.toArray(Column[]::new)))
                    .withColumn(DeadLetters.RAW, record));
    return new Check(
        stage, expectations, metric, checked.where(quarantineOk.and(dropOk)), quarantined);
  }

  /** Whether a record meets {@code expectation}: its condition is true (not false, not null). */
  private static Column passes(Expectation expectation) {
    return coalesce(expr(expectation.condition()), lit(false));
  }

  private static Column quoted(String column) {
    return col("`" + column.replace("`", "``") + "`");
  }

  /** Whether {@code metric} is the name of an expectations metric. */
  public static boolean isMetric(String metric) {
    return metric.startsWith(METRIC_PREFIX);
  }

  /**
   * The message of a {@code fail} expectation anywhere in {@code e}'s causes or in the text Spark
   * copies a failed task's error into: "data-quality expectation 'x' of 'stage' failed (on-failure
   * = fail): condition; record {...}".
   */
  public static Optional<String> failure(Throwable e) {
    java.util.Set<Throwable> seen =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      if (t.getMessage() != null) {
        Matcher matcher = RAISED.matcher(t.getMessage());
        if (matcher.find()) {
          return Optional.of(matcher.group(1).strip());
        }
      }
    }
    return Optional.empty();
  }
}

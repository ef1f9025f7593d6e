package io.lambdaflow.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;

/**
 * The records that failed each expectation of a pipeline, added up from the observed metrics of
 * {@link Expectations} (one batch run, or every micro-batch of a speed layer). Thread-safe.
 */
public final class ExpectationCounts {
  /**
   * One expectation's count.
   *
   * @param stage the transform or view it belongs to
   * @param expectation its name
   * @param policy what a failing record gets
   * @param failed the records that failed it
   */
  public record Count(String stage, String expectation, Expectation.Policy policy, long failed) {
    /** How the count is shown: {@code clean.positive_amount (quarantine): 3}. */
    public String render() {
      return String.format(
          Locale.ROOT, "%s.%s (%s): %,d", stage, expectation, policy.key(), failed);
    }
  }

  private final Map<String, List<Expectation>> byStage = new LinkedHashMap<>();
  private final java.util.Set<String> views = new java.util.HashSet<>();
  private final Map<String, Long> failed = new LinkedHashMap<>();
  private long dropped;
  private long quarantined;

  /** Zero counts for every expectation of {@code pipeline}'s transforms and views. */
  public ExpectationCounts(Pipeline pipeline) {
    for (TransformNode transform : pipeline.transforms()) {
      byStage.put(transform.name(), transform.expectations());
    }
    for (ViewNode view : pipeline.views()) {
      byStage.put(view.name(), view.expectations());
      views.add(view.name());
    }
    byStage.forEach(
        (stage, expectations) -> expectations.forEach(e -> failed.put(key(stage, e), 0L)));
  }

  /**
   * Adds what the observed metric of {@code stage}'s check counted in one run or micro-batch, and
   * returns those counts: one per expectation of the stage.
   */
  public synchronized List<Count> add(String stage, Row observed) {
    List<Count> added = new ArrayList<>();
    for (Expectation expectation : byStage.getOrDefault(stage, List.of())) {
      long count = value(observed, expectation.name());
      failed.merge(key(stage, expectation), count, Long::sum);
      added.add(new Count(stage, expectation.name(), expectation.policy(), count));
    }
    if (!views.contains(stage)) { // a view's keep the records out of that view only
      dropped += value(observed, Expectations.DROPPED);
      quarantined += value(observed, Expectations.QUARANTINED);
    }
    return added;
  }

  /** Each expectation's count, in the pipeline's order. */
  public synchronized List<Count> counts() {
    List<Count> counts = new ArrayList<>();
    byStage.forEach(
        (stage, expectations) -> {
          for (Expectation e : expectations) {
            counts.add(new Count(stage, e.name(), e.policy(), failed.get(key(stage, e))));
          }
        });
    return counts;
  }

  /**
   * Records left out of the pipeline by transforms' {@code drop} expectations (and no {@code
   * quarantine} one).
   */
  public synchronized long dropped() {
    return dropped;
  }

  /** Records sent to the dead letters by transforms' {@code quarantine} expectations. */
  public synchronized long quarantined() {
    return quarantined;
  }

  /** Whether the pipeline declares no expectation. */
  public boolean isEmpty() {
    return failed.isEmpty();
  }

  /** The counts on one line: {@code clean.positive_amount (quarantine): 3, ...}. */
  public String render() {
    return counts().stream().map(Count::render).collect(Collectors.joining(", "));
  }

  private static String key(String stage, Expectation expectation) {
    return stage + "." + expectation.name();
  }

  /** A sum over no rows is null: nothing failed. */
  private static long value(Row row, String column) {
    Object value = row.getAs(column);
    return value == null ? 0 : ((Number) value).longValue();
  }
}

package io.lambdaflow.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.lambdaflow.spi.DeadLetters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;

/**
 * Dead letters counted per stage in the pass that writes them: the columns of an observed metric
 * ({@code Dataset.observe}), one per source, transform and view, and the counts read back.
 */
public final class DeadLetterStages {
  private static final String PREFIX = "stage_";

  private DeadLetterStages() {}

  /** Every stage that can send dead letters: sources, transforms, views, in pipeline order. */
  public static List<String> stages(Pipeline pipeline) {
    List<String> stages = new ArrayList<>();
    pipeline.sources().forEach(s -> stages.add(s.name()));
    pipeline.transforms().forEach(t -> stages.add(t.name()));
    pipeline.views().forEach(v -> stages.add(v.name()));
    return stages;
  }

  /** One column per stage counting its dead letters. */
  public static Column[] columns(Pipeline pipeline) {
    return stages(pipeline).stream()
        .map(
            stage ->
                sum(when(col(DeadLetters.STAGE).equalTo(stage), 1L).otherwise(0L))
                    .alias(PREFIX + stage))
        .toArray(Column[]::new);
  }

  /** The counts {@link #columns} observed, by stage (a sum over no rows is 0). */
  public static Map<String, Long> counts(Pipeline pipeline, Row observed) {
    return counts(pipeline, observed::<Object>getAs);
  }

  /** As {@link #counts(Pipeline, Row)}, from an {@code Observation}'s map. */
  public static Map<String, Long> counts(Pipeline pipeline, Map<String, ?> observed) {
    return counts(pipeline, observed::get);
  }

  private static Map<String, Long> counts(Pipeline pipeline, Function<String, Object> observed) {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String stage : stages(pipeline)) {
      Object value = observed.apply(PREFIX + stage);
      counts.put(stage, value == null ? 0L : ((Number) value).longValue());
    }
    return counts;
  }
}

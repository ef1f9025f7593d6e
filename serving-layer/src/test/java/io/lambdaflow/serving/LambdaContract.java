package io.lambdaflow.serving;

import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.spi.ExecutionMode;
import io.lambdaflow.testkit.TestPipelines;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Helpers of the lambda-contract tests: pipelines for both layers, answers as text. */
final class LambdaContract {
  private LambdaContract() {}

  static Pipeline pipeline(String hocon, Map<String, String> overrides) {
    try {
      return TestPipelines.loader()
          .parse(
              hocon, "game.conf", overrides, Set.of(ExecutionMode.BATCH, ExecutionMode.STREAMING));
    } catch (ConfigurationException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  /** A served answer as sorted rows of text, values joined by '|'. */
  static List<String> text(QueryResult result) {
    List<String> rows = new ArrayList<>();
    for (List<Object> row : result.rows()) {
      rows.add(String.join("|", row.stream().map(String::valueOf).toList()));
    }
    rows.sort(null);
    return rows;
  }
}

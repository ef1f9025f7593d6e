package io.lambdaflow.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Tuples left in memory are bounded like task results and only taken while their write is open. */
class HandedTuplesTest {
  @Test
  void tuplesPastTheLimitOrAfterTheWriteAreNotLeft() {
    HandedTuples handed = HandedTuples.open("job-a", 10);
    try {
      assertThat(HandedTuples.leave("job-a", 1, new byte[6]))
          .isEqualTo(HandedTuples.Left.IN_MEMORY);
      // 12 bytes in all would pass the limit, as Spark's spark.driver.maxResultSize check counts.
      assertThat(HandedTuples.leave("job-a", 2, new byte[6]))
          .isEqualTo(HandedTuples.Left.TOO_LARGE);
      assertThat(HandedTuples.leave("job-b", 3, new byte[1])).isEqualTo(HandedTuples.Left.NOT_HERE);
      assertThat(HandedTuples.leave(null, 4, new byte[1])).isEqualTo(HandedTuples.Left.NOT_HERE);
      assertThat(handed.take(1)).hasSize(6);
      assertThatThrownBy(() -> handed.take(2))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("task attempt 2 left no tuples");
      assertThat(HandedTuples.isOpen("job-a")).isTrue();
    } finally {
      HandedTuples.close("job-a");
    }
    assertThat(HandedTuples.isOpen("job-a")).isFalse();
    assertThat(HandedTuples.leave("job-a", 5, new byte[1])).isEqualTo(HandedTuples.Left.NOT_HERE);
  }
}

package io.lambdaflow.engines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lambdaflow.engine.Engine;
import io.lambdaflow.engine.QueryResult;
import io.lambdaflow.pipeline.ViewNode;
import io.lambdaflow.views.MergeSql;
import io.lambdaflow.views.ViewQueries;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An aggregate view kept merged as a DuckDB table and updated per refresh for the keys of the speed
 * parts only holds, after every refresh, exactly the rows of the view merged whole (one aggregation
 * of both parts): speed parts growing, shrinking, emptied, keys null, averages over nothing.
 */
class DuckDbMaintainedMergeTest {
  private static final List<ViewNode.Measure> MEASURES =
      List.of(
          new ViewNode.Measure("n", ViewNode.Function.COUNT, ""),
          new ViewNode.Measure("s", ViewNode.Function.SUM, "x"),
          new ViewNode.Measure("lo", ViewNode.Function.MIN, "x"),
          new ViewNode.Measure("hi", ViewNode.Function.MAX, "x"),
          new ViewNode.Measure("m", ViewNode.Function.AVG, "x"));
  private static final ViewNode VIEW =
      new ViewNode(
          "v",
          "in",
          ViewNode.Kind.AGGREGATE,
          Optional.empty(),
          List.of(),
          List.of("k1", "k2"),
          MEASURES);
  private static final String[] K1 = {"'a'", "'b'", "'c'", "'d'", "'e'", "NULL"};
  private static final String[] K2 = {"1", "2", "3", "4", "NULL"};

  @TempDir Path dir;

  @Test
  @Timeout(120)
  void theTableUpdatedForTheSpeedKeysEqualsTheViewMergedWhole() {
    Random random = new Random(11);
    try (DuckDbEngine engine =
        new DuckDbEngine(
            List.of(dir.toString()), 256L << 20, dir.resolve("spill").toString(), Optional.of(1))) {
      MergeSql sql = new MergeSql(engine::quote);
      engine.apply(List.of(new Engine.QueryTable("b", part(random, 0.7))));
      String before = null;
      int rebuilt = 0;
      long dead = 0;
      for (int round = 0; round < 40; round++) {
        double share = round % 7 == 3 ? 0 : random.nextDouble() * 0.6;
        String speed = "sp" + round;
        List<Engine.Change> changes = new ArrayList<>();
        changes.add(new Engine.QueryTable(speed, part(random, share)));
        changes.add(
            new Engine.MaintainedTable(
                "m",
                sql.merged(VIEW, List.of(), "b", speed),
                VIEW.keys(),
                before == null
                    ? Optional.empty()
                    : sql.mergedUpdate(VIEW, List.of(), "m", "b", before, speed)));
        changes.add(new Engine.View("whole", sql.mergedByKey(VIEW, List.of(), "b", speed)));
        if (before != null) {
          changes.add(new Engine.Drop(before));
        }
        List<List<Object>> servedBefore = round == 0 ? null : rows(engine, "m");
        List<List<List<Object>>> seenDuringRefresh = new ArrayList<>();
        engine.apply(
            changes,
            commit -> {
              // The refresh's statements ran, uncommitted: a query neither waits nor sees them.
              if (servedBefore != null) {
                seenDuringRefresh.add(rows(engine, "m"));
              }
              commit.run();
            });
        before = speed;
        if (servedBefore != null) {
          assertThat(seenDuringRefresh).containsExactly(servedBefore);
        }

        List<List<Object>> expected = rows(engine, "whole");
        assertThat(rows(engine, "m")).as("round %d", round).isEqualTo(expected);
        assertThat(expected).hasSizeGreaterThan(15);
        DuckDbEngine.TableRows kept = engine.maintainedRows("m");
        assertThat(kept.live()).isEqualTo(expected.size());
        assertThat(kept.dead()).isLessThanOrEqualTo(kept.live() + K1.length * K2.length);
        if (kept.dead() < dead) {
          rebuilt++;
        }
        dead = kept.dead();
      }
      assertThat(rebuilt)
          .as("built afresh once its deleted rows outnumbered its rows")
          .isPositive();
    }
  }

  @Test
  void aRefreshDuckDbRefusesChangesNothingAndTheNextOneApplies() {
    try (DuckDbEngine engine =
        new DuckDbEngine(
            List.of(dir.toString()), 256L << 20, dir.resolve("spill").toString(), Optional.of(1))) {
      engine.apply(List.of(new Engine.QueryTable("t", "SELECT 1 AS x")));
      assertThatThrownBy(
              () ->
                  engine.apply(
                      List.of(
                          new Engine.QueryTable("t", "SELECT 2 AS x"),
                          new Engine.QueryTable("u", "SELECT * FROM missing"))))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith(
              "DuckDB refused a refresh: Catalog Error: Table with name missing");
      assertThat(rows(engine, "t")).containsExactly(List.of(1L));
      engine.apply(List.of(new Engine.QueryTable("t", "SELECT 3 AS x")));
      assertThat(rows(engine, "t")).containsExactly(List.of(3L));
    }
  }

  /**
   * Sums of integers are kept as BIGINT, the type Spark gives them (DuckDB's own sums are HUGEINT,
   * which scans several times slower once rows are deleted); a sum past BIGINT fails the refresh.
   */
  @Test
  void integerSumsAreKeptAsBigintAndOneThatOverflowsFailsTheRefresh() {
    try (DuckDbEngine engine =
        new DuckDbEngine(
            List.of(dir.toString()), 256L << 20, dir.resolve("spill").toString(), Optional.of(1))) {
      MergeSql sql = new MergeSql(engine::quote);
      String batch = row("'a'", "1", "2", "10", "1", "9", "NULL", "20.5", "2");
      engine.apply(
          List.of(
              new Engine.QueryTable("b", batch),
              new Engine.QueryTable("sp0", batch),
              new Engine.MaintainedTable(
                  "m", sql.merged(VIEW, List.of(), "b", "sp0"), VIEW.keys(), Optional.empty())));
      assertThat(
              engine
                  .query(
                      "SELECT typeof(n), typeof(s), typeof(lo), typeof(m), n, s FROM m",
                      List.of(),
                      10,
                      Duration.ofSeconds(30))
                  .rows())
          .containsExactly(List.of("BIGINT", "BIGINT", "BIGINT", "DOUBLE", 4L, 20L));

      String huge =
          row("'a'", "1", "2", String.valueOf(Long.MAX_VALUE), "1", "9", "NULL", "1", "2");
      assertThatThrownBy(
              () ->
                  engine.apply(
                      List.of(
                          new Engine.QueryTable("sp1", huge),
                          new Engine.MaintainedTable(
                              "m",
                              sql.merged(VIEW, List.of(), "b", "sp1"),
                              VIEW.keys(),
                              sql.mergedUpdate(VIEW, List.of(), "m", "b", "sp0", "sp1")))))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("DuckDB refused a refresh: Conversion Error")
          .hasMessageContaining("9223372036854775817");
      assertThat(rows(engine, "m")).containsExactly(List.of("a", 1L, 4L, 20L, 1L, 9L, 10.25));
    }
  }

  @Test
  void aViewWithoutKeysIsBuiltAgainNotUpdated() {
    ViewNode total =
        new ViewNode(
            "t", "in", ViewNode.Kind.AGGREGATE, Optional.empty(), List.of(), List.of(), MEASURES);
    assertThat(new MergeSql(s -> s).mergedUpdate(total, List.of(), "m", "b", "sp0", "sp1"))
        .isEmpty();
  }

  private static List<List<Object>> rows(Engine engine, String relation) {
    QueryResult result =
        engine.query(
            "SELECT * FROM " + relation + " ORDER BY ALL",
            List.of(),
            10_000,
            Duration.ofSeconds(30));
    return result.rows();
  }

  /**
   * A part in the batch view's shape, one row for about {@code share} of the keys: keys, count,
   * sum, min, max, the average (null, as partials carry it) with its sum and count.
   */
  private static String part(Random random, double share) {
    List<String> rows = new ArrayList<>();
    for (String k1 : K1) {
      for (String k2 : K2) {
        if (random.nextDouble() >= share) {
          continue;
        }
        int count = random.nextInt(4);
        long lo = random.nextInt(100) - 50;
        String none = count == 0 ? "NULL" : null;
        rows.add(
            row(
                k1,
                k2,
                String.valueOf(1 + random.nextInt(9)),
                none != null ? none : String.valueOf(lo * count + random.nextInt(20)),
                none != null ? none : String.valueOf(lo),
                none != null ? none : String.valueOf(lo + random.nextInt(30)),
                "NULL",
                none != null ? "NULL" : (lo * count + 0.25) + "",
                String.valueOf(count)));
      }
    }
    if (rows.isEmpty()) {
      return row("NULL", "NULL", "0", "0", "0", "0", "NULL", "NULL", "0") + " WHERE 1 = 0";
    }
    return String.join(" UNION ALL ", rows);
  }

  private static String row(String... values) {
    String[] types = {
      "VARCHAR", "INTEGER", "BIGINT", "BIGINT", "BIGINT", "BIGINT", "DOUBLE", "DOUBLE", "BIGINT"
    };
    List<String> names = new ArrayList<>(List.of("k1", "k2"));
    for (ViewNode.Measure measure : MEASURES) {
      names.add(measure.name());
    }
    names.add(ViewQueries.avgSum(MEASURES.get(4)));
    names.add(ViewQueries.avgCount(MEASURES.get(4)));
    List<String> select = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      select.add("CAST(" + values[i] + " AS " + types[i] + ") AS \"" + names.get(i) + "\"");
    }
    return "SELECT " + String.join(", ", select);
  }
}

package io.lambdaflow.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.lambdaflow.pipeline.IngestSettings;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.ScheduleSettings;
import io.lambdaflow.spi.ExecutionMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ingest and schedule sections: bound with their defaults, every mistake at its line. */
class IngestAndScheduleSectionTest {
  private static final String PIPELINE =
      """
      layers = [batch]
      sources { events { type = memory, rows = 1 } }
      sinks { out { type = out, path = x } }
      dead-letter { type = out, path = dl }
      """;

  @TempDir Path dir;

  private List<String> problems(String text) throws Exception {
    Path file = dir.resolve("p.conf");
    Files.writeString(file, PIPELINE + text);
    try {
      TestPlugins.loader().load(file, Map.of(), Set.of(ExecutionMode.BATCH));
    } catch (ConfigurationException e) {
      return e.problems().stream().map(p -> p.toString().replace(dir + "/", "")).toList();
    }
    throw new AssertionError("expected problems");
  }

  private Pipeline valid(String text) throws Exception {
    Path file = dir.resolve("ok.conf");
    Files.writeString(file, PIPELINE + text);
    return TestPlugins.loader().load(file, Map.of(), Set.of(ExecutionMode.BATCH));
  }

  @Test
  void routesAreBoundWithTheirDefaults() throws Exception {
    Pipeline pipeline =
        valid(
            """
            ingest {
              topic = events
              routes = [
                { method = GET, path = "/purchase_a_sword", fields { event_type = purchase_sword },
                  headers = all, key = Host, response = "Sword Purchased!" }
                { path = "/events/{event_type}", method = post, headers = [host, user-agent] }
                { path = "/pin", topic = pins, key = unique_id }
              ]
            }
            """);
    List<IngestSettings.Route> routes = pipeline.ingest().routes();
    assertThat(routes)
        .containsExactly(
            new IngestSettings.Route(
                "GET",
                "/purchase_a_sword",
                "events",
                Map.of("event_type", "purchase_sword"),
                List.of(),
                true,
                false,
                Optional.of("Host"),
                "Sword Purchased!"),
            new IngestSettings.Route(
                "POST",
                "/events/{event_type}",
                "events",
                Map.of(),
                List.of("Host", "User-Agent"),
                false,
                true,
                Optional.empty(),
                "ok"),
            new IngestSettings.Route(
                "POST",
                "/pin",
                "pins",
                Map.of(),
                List.of(),
                false,
                true,
                Optional.of("unique_id"),
                "ok"));
    assertThat(routes.get(1).parameters()).containsExactly("event_type");
    assertThat(pipeline.ingest().maxBody()).isEqualTo(64 * 1024);
    assertThat(pipeline.ingest().host()).isEqualTo("127.0.0.1");
  }

  @Test
  void everyRouteMistakeIsAProblemAtItsLine() throws Exception {
    assertThat(
            problems(
                """
                ingest {
                  routes = [
                    { path = "pin", topic = pins }
                    { path = "/a", topic = a, body = json, method = GET }
                    { path = "/b", method = GET, topic = b, key = Host, headers = [User-Agent] }
                    { path = "/c", topic = c, mehtod = GET }
                    { path = "/d", method = DELETE, topic = d }
                    { path = "/e" }
                    { path = "/f/{id}", topic = f }
                    { path = "/f/{name}", topic = f }
                  ]
                }
                """))
        .containsExactly(
            "p.conf:7: ingest.routes[0].path: expected a path such as /pin or /events/{event_type}"
                + " (segments of letters, digits, '_', '.', '~', '-', or a {field}), got 'pin'",
            "p.conf:8: ingest.routes[1].body: a GET request has no body; use method = POST for"
                + " body = json",
            "p.conf:9: ingest.routes[2].key: the key 'Host' is none of this route's fields: a path"
                + " {field}, a fixed field, a kept header (User-Agent) or, with body = json, a body"
                + " field",
            "p.conf:10: ingest.routes[3].mehtod: unknown key 'mehtod' in a route; did you mean"
                + " 'method'? (known keys: body, fields, headers, key, method, path, response, topic)",
            "p.conf:11: ingest.routes[4].method: expected GET, POST or PUT, got 'DELETE'",
            "p.conf:12: ingest.routes[5].topic: no topic: set the route's topic or ingest.topic for"
                + " every route",
            "p.conf:14: ingest.routes[7]: another route already serves POST /f/{name}");
  }

  @Test
  void theScheduleIsParsedAndAWrongOneNamed() throws Exception {
    ScheduleSettings schedule =
        valid("schedule { cron = \"0 2 * * *\", time-zone = Europe/London }\n").schedule();
    assertThat(schedule)
        .isEqualTo(
            new ScheduleSettings(
                "0 2 * * *",
                ZoneId.of("Europe/London"),
                ScheduleSettings.Missed.SKIP,
                2,
                Duration.ofMinutes(5)));
    assertThat(valid("").schedule().cron()).isEmpty();

    assertThat(
            problems(
                """
                schedule {
                  cron = "0 25 * * *"
                  time-zone = Mars/Olympus
                  missed = catch-up
                }
                """))
        .containsExactly(
            "p.conf:8: schedule.missed: expected one of [skip, run-once], got 'catch-up'");
    assertThat(problems("schedule { cron = \"0 25 * * *\", time-zone = Mars/Olympus }\n"))
        .hasSize(2)
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("p.conf:5: schedule.cron: '0 25 * * *' is not a cron expression: ")
                    .endsWith(
                        "; expected five fields, minute hour day-of-month month day-of-week"
                            + " (\"0 2 * * *\" every day at 02:00), or @hourly, @daily, @weekly,"
                            + " @monthly, @yearly"))
        .contains(
            "p.conf:5: schedule.time-zone: expected a time zone such as UTC or Europe/London, got"
                + " 'Mars/Olympus'");
  }
}

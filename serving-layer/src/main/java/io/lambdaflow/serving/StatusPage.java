package io.lambdaflow.serving;

import com.fasterxml.jackson.databind.JsonNode;
import io.lambdaflow.pipeline.ExpectationCounts;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.status.SpeedStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The status page: one self-contained HTML document (styles and SVG charts inline, no script, no
 * CDN, so it works offline and behind firewalls) rendered from {@link StatusData}, refreshing
 * itself every 15 seconds. Cells carry {@code data-*} names so tests (and scrapers) find them.
 */
final class StatusPage {
  private static final String STYLE =
      "body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:22px}"
          + "h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}"
          + "table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #eee;"
          + "text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}"
          + ".muted{color:#777}.charts{display:flex;gap:24px;flex-wrap:wrap}"
          + "code{background:#f4f4f4;padding:1px 4px}";
  private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"};

  private StatusPage() {}

  static String render(StatusData data) {
    Pipeline pipeline = data.pipeline();
    StringBuilder html = new StringBuilder(16_384);
    html.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\">")
        .append("<meta http-equiv=\"refresh\" content=\"15\">")
        .append("<title>")
        .append(escape(pipeline.name()))
        .append(" status</title><style>")
        .append(STYLE)
        .append("</style></head><body>");
    html.append("<h1>Pipeline <span data-pipeline>")
        .append(escape(pipeline.name()))
        .append("</span></h1><p class=\"muted\">layers ")
        .append(escape(pipeline.layers().toString().toLowerCase(Locale.ROOT)))
        .append(", storage ")
        .append(escape(pipeline.storageRoot()))
        .append(", as of ")
        .append(data.at())
        .append("</p>");
    html.append("<h2>Graph</h2>").append(StatusGraph.svg(pipeline));
    views(html, data);
    batch(html, data);
    speed(html, data);
    expectations(html, data);
    deadLetters(html, data);
    return html.append("</body></html>").toString();
  }

  private static void views(StringBuilder html, StatusData data) {
    if (data.views().isEmpty()) {
      return;
    }
    html.append("<h2>Views</h2><table><tr><th>view</th><th>kind</th><th>batch rows</th>")
        .append("<th>speed rows</th><th>speed micro-batches</th><th>published run</th>")
        .append("<th>data as of</th><th>freshness</th></tr>");
    for (ViewState view : data.views()) {
      String name = escape(view.view().name());
      Instant asOf = view.dataAsOf();
      html.append("<tr data-view=\"")
          .append(name)
          .append("\"><td>")
          .append(name)
          .append("</td><td>")
          .append(view.view().kind().name().toLowerCase(Locale.ROOT))
          .append("</td><td class=\"n\" data-batch-rows>")
          .append(count(view.batchRows()))
          .append("</td><td class=\"n\" data-speed-rows>")
          .append(count(view.speedRows()))
          .append("</td><td class=\"n\">")
          .append(view.speedBatches().size())
          .append("</td><td class=\"n\">")
          .append(view.published().run())
          .append("</td><td>")
          .append(asOf.equals(Instant.EPOCH) ? "never" : asOf.toString())
          .append("</td><td class=\"n\">")
          .append(
              asOf.equals(Instant.EPOCH)
                  ? "-"
                  : seconds(Duration.between(asOf, data.at()).toMillis() / 1000.0))
          .append("</td></tr>");
    }
    html.append("</table>");
    ViewState any = data.views().get(0);
    html.append("<p>Published horizons (run ").append(any.published().run()).append("): ");
    any.published()
        .horizons()
        .forEach(
            (source, horizon) ->
                html.append("<code>")
                    .append(escape(source))
                    .append(" ")
                    .append(escape(horizon.ends().toString()))
                    .append("</code> "));
    html.append("</p>");
  }

  private static void batch(StringBuilder html, StatusData data) {
    html.append("<h2>Batch layer</h2>");
    if (data.runs().isEmpty()) {
      html.append("<p class=\"muted\">no batch run yet</p>");
      return;
    }
    html.append("<table><tr><th>run</th><th>started</th><th>duration</th><th>records in</th>")
        .append("<th>records out</th><th>dead letters</th><th>published</th></tr>");
    for (JsonNode run : data.runs()) {
      html.append("<tr data-run=\"")
          .append(escape(run.path("runId").asText()))
          .append("\"><td>")
          .append(escape(run.path("runId").asText()))
          .append("</td><td>")
          .append(escape(run.path("startedAt").asText()))
          .append("</td><td class=\"n\">")
          .append(seconds(run.path("durationMillis").asLong() / 1000.0))
          .append("</td><td>")
          .append(escape(counts(run.path("recordsIn"))))
          .append("</td><td>")
          .append(escape(counts(run.path("recordsOut"))))
          .append("</td><td class=\"n\">")
          .append(count(run.path("deadLetters").asLong()))
          .append("</td><td class=\"n\">")
          .append(run.has("published") ? Long.toString(run.path("published").asLong()) : "-")
          .append("</td></tr>");
    }
    html.append("</table>");
  }

  private static void speed(StringBuilder html, StatusData data) {
    html.append("<h2>Speed layer</h2>");
    List<SpeedStatus.MicroBatch> batches = data.speed().microBatches();
    if (batches.isEmpty()) {
      html.append("<p class=\"muted\">no micro-batch recorded</p>");
      return;
    }
    Map<String, SpeedStatus.MicroBatch> latest = new LinkedHashMap<>();
    batches.forEach(b -> latest.put(b.query(), b));
    html.append("<table><tr><th>query</th><th>micro-batch</th><th>ended</th><th>rows</th>")
        .append("<th>duration</th><th>rows/s</th><th>Kafka lag</th></tr>");
    for (SpeedStatus.MicroBatch batch : latest.values()) {
      html.append("<tr data-query=\"")
          .append(escape(batch.query()))
          .append("\"><td>")
          .append(escape(batch.query()))
          .append("</td><td class=\"n\">")
          .append(batch.batchId())
          .append("</td><td>")
          .append(batch.at())
          .append("</td><td class=\"n\">")
          .append(count(batch.inputRows()))
          .append("</td><td class=\"n\">")
          .append(count(batch.durationMs()))
          .append(" ms</td><td class=\"n\">")
          .append(count(Math.round(batch.rowsPerSecond())))
          .append("</td><td class=\"n\">")
          .append(count(batch.lag()))
          .append("</td></tr>");
    }
    html.append("</table><p class=\"muted\">the last hour, per query</p><div class=\"charts\">")
        .append(chart("rows per second", batches, SpeedStatus.MicroBatch::rowsPerSecond))
        .append(chart("micro-batch duration (ms)", batches, b -> b.durationMs()))
        .append(chart("Kafka lag (records)", batches, b -> b.lag()))
        .append("</div>");
  }

  /** Each expectation's failing records: in the last batch run, and in the speed layer. */
  private static void expectations(StringBuilder html, StatusData data) {
    Map<String, String[]> rows = new LinkedHashMap<>();
    if (!data.runs().isEmpty()) {
      for (JsonNode count : data.runs().get(0).path("expectations")) {
        rows.put(
            key(count.path("stage").asText(), count.path("expectation").asText()),
            new String[] {
              count.path("policy").asText().toLowerCase(Locale.ROOT),
              count(count.path("failed").asLong()),
              "-"
            });
      }
    }
    for (ExpectationCounts.Count count : data.speed().expectations()) {
      rows.computeIfAbsent(
                  key(count.stage(), count.expectation()),
                  k -> new String[] {count.policy().key(), "-", "-"})[2] =
          count(count.failed());
    }
    if (rows.isEmpty()) {
      return;
    }
    html.append("<h2>Expectations</h2><table><tr><th>expectation</th><th>on failure</th>")
        .append("<th>failed, last batch run</th><th>failed, speed layer</th></tr>");
    rows.forEach(
        (name, row) ->
            html.append("<tr data-expectation=\"")
                .append(escape(name))
                .append("\"><td>")
                .append(escape(name))
                .append("</td><td>")
                .append(escape(row[0]))
                .append("</td><td class=\"n\">")
                .append(row[1])
                .append("</td><td class=\"n\">")
                .append(row[2])
                .append("</td></tr>"));
    html.append("</table>");
  }

  private static String key(String stage, String expectation) {
    return stage + "." + expectation;
  }

  private static void deadLetters(StringBuilder html, StatusData data) {
    html.append("<h2>Dead letters</h2>");
    if (data.letters().isEmpty()) {
      html.append("<p class=\"muted\">none</p>");
      return;
    }
    html.append("<p><span data-dead-letters>")
        .append(count(data.lettersRead()))
        .append("</span> dead letters")
        .append(
            data.lettersRead() >= StatusData.MOST_LETTERS
                ? " counted (the first ones read; there are more)"
                : "")
        .append("</p><table><tr><th>stage</th><th>reason</th><th>count</th></tr>");
    data.letters()
        .forEach(
            (stage, reasons) ->
                reasons.forEach(
                    (reason, n) ->
                        html.append("<tr data-stage=\"")
                            .append(escape(stage))
                            .append("\"><td>")
                            .append(escape(stage))
                            .append("</td><td>")
                            .append(escape(reason))
                            .append("</td><td class=\"n\" data-count>")
                            .append(count(n))
                            .append("</td></tr>")));
    html.append("</table><h3>Samples</h3><table><tr><th>stage</th><th>position</th>")
        .append("<th>reason</th><th>raw</th></tr>");
    data.samples()
        .forEach(
            (stage, letters) ->
                letters.forEach(
                    letter ->
                        html.append("<tr><td>")
                            .append(escape(stage))
                            .append("</td><td>")
                            .append(escape(letter.path("position").asText("")))
                            .append("</td><td>")
                            .append(escape(letter.path("reason").asText("")))
                            .append("</td><td><code>")
                            .append(escape(shorten(letter.path("raw").asText(""))))
                            .append("</code></td></tr>")));
    html.append("</table>");
  }

  /** A line chart of {@code value} over time, one line per query, as inline SVG. */
  private static String chart(
      String title,
      List<SpeedStatus.MicroBatch> batches,
      ToDoubleFunction<SpeedStatus.MicroBatch> value) {
    int width = 360;
    int height = 140;
    long from = batches.get(0).atMillis();
    long to = Math.max(from + 1, batches.get(batches.size() - 1).atMillis());
    double max = batches.stream().mapToDouble(value).max().orElse(1);
    max = max <= 0 ? 1 : max;
    Map<String, List<String>> lines = new LinkedHashMap<>();
    for (SpeedStatus.MicroBatch batch : batches) {
      double x = 40 + (width - 50) * (batch.atMillis() - from) / (double) (to - from);
      double y = height - 20 - (height - 40) * value.applyAsDouble(batch) / max;
      lines
          .computeIfAbsent(batch.query(), q -> new ArrayList<>())
          .add(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
    }
    StringBuilder svg = new StringBuilder();
    svg.append(
            String.format(
                Locale.ROOT, "<svg width=\"%d\" height=\"%d\" role=\"img\">", width, height))
        .append("<text x=\"4\" y=\"14\" font-size=\"12\">")
        .append(escape(title))
        .append(" (max ")
        .append(count(Math.round(max)))
        .append(")</text>")
        .append(
            String.format(
                Locale.ROOT,
                "<line x1=\"40\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>",
                height - 20,
                width - 10,
                height - 20));
    int color = 0;
    for (Map.Entry<String, List<String>> line : lines.entrySet()) {
      svg.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"")
          .append(COLORS[color++ % COLORS.length])
          .append("\" points=\"")
          .append(String.join(" ", line.getValue()))
          .append("\"><title>")
          .append(escape(line.getKey()))
          .append("</title></polyline>");
    }
    return svg.append("</svg>").toString();
  }

  private static String counts(JsonNode map) {
    List<String> parts = new ArrayList<>();
    map.fields().forEachRemaining(e -> parts.add(e.getKey() + ": " + count(e.getValue().asLong())));
    return String.join(", ", parts);
  }

  private static String count(long n) {
    return n < 0 ? "n/a" : String.format(Locale.ROOT, "%,d", n);
  }

  private static String seconds(double s) {
    return String.format(Locale.ROOT, "%.1f s", s);
  }

  private static String shorten(String raw) {
    return raw.length() <= 200 ? raw : raw.substring(0, 200) + "…";
  }

  /** Text for HTML content and attribute values. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}

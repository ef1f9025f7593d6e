package io.lambdaflow.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scrape of a Prometheus endpoint, parsed from the text format (0.0.4): every sample by name and
 * labels. Comment lines must be {@code # HELP} or {@code # TYPE}; anything else that is not a
 * well-formed sample fails the parse, so a test also checks the format.
 */
public final class ScrapedMetrics {
  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

  private final Map<String, Map<Map<String, String>, Double>> samples;
  private final String contentType;

  private ScrapedMetrics(Map<String, Map<Map<String, String>, Double>> samples, String type) {
    this.samples = samples;
    this.contentType = type;
  }

  /** Scrapes {@code url} with a GET. */
  public static ScrapedMetrics scrape(String url) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + response.statusCode());
    }
    return parse(response.body(), response.headers().firstValue("Content-Type").orElse("(none)"));
  }

  /** Parses {@code text}; throws on a line that is not a sample, a HELP or a TYPE. */
  public static ScrapedMetrics parse(String text, String contentType) {
    Map<String, Map<Map<String, String>, Double>> samples = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
        continue;
      }
      Matcher sample = SAMPLE.matcher(line);
      if (!sample.matches()) {
        throw new IllegalArgumentException("not a Prometheus sample: " + line);
      }
      Map<String, String> labels = new TreeMap<>();
      if (sample.group(2) != null) {
        Matcher label = LABEL.matcher(sample.group(2));
        int end = 0;
        while (label.find() && label.start() == end) {
          labels.put(label.group(1), label.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
          end = label.end();
        }
        if (end != sample.group(2).length()) {
          throw new IllegalArgumentException("malformed labels: " + line);
        }
      }
      samples
          .computeIfAbsent(sample.group(1), k -> new LinkedHashMap<>())
          .put(labels, Double.parseDouble(sample.group(3)));
    }
    return new ScrapedMetrics(samples, contentType);
  }

  /** The Content-Type the endpoint answered with. */
  public String contentType() {
    return contentType;
  }

  /** The sample of {@code name} whose labels include {@code labels} (pairs: name, value, ...). */
  public Optional<Double> value(String name, String... labels) {
    Map<String, String> wanted = new TreeMap<>();
    for (int i = 0; i + 1 < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    return samples.getOrDefault(name, Map.of()).entrySet().stream()
        .filter(e -> e.getKey().entrySet().containsAll(wanted.entrySet()))
        .map(Map.Entry::getValue)
        .findFirst();
  }

  /** Every sample of {@code name}: its labels (without pipeline and layer) to its value. */
  public Map<Map<String, String>, Double> samples(String name) {
    Map<Map<String, String>, Double> found = new LinkedHashMap<>();
    samples
        .getOrDefault(name, Map.of())
        .forEach(
            (labels, value) -> {
              Map<String, String> rest = new TreeMap<>(labels);
              rest.remove("pipeline");
              rest.remove("layer");
              found.put(rest, value);
            });
    return found;
  }
}

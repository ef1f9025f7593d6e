package io.lambdaflow.examples.gtfs;

import com.univocity.parsers.common.record.Record;
import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A GTFS feed's files read by a CSV parser of their own (univocity, not the pipeline's code), to
 * compute what the pipeline must answer for any feed: which stop times can be enriched and the
 * departures per route and hour.
 */
final class FeedFiles {
  private final Path folder;

  FeedFiles(Path folder) {
    this.folder = folder;
  }

  /** Each data row of a file as column name -> value, by the file's own header. */
  List<Map<String, String>> rows(String table) {
    CsvParserSettings settings = new CsvParserSettings();
    settings.setHeaderExtractionEnabled(true);
    settings.setLineSeparatorDetectionEnabled(true);
    settings.setNullValue("");
    settings.setMaxCharsPerColumn(-1);
    List<Map<String, String>> rows = new ArrayList<>();
    for (Record record :
        new CsvParser(settings)
            .parseAllRecords(folder.resolve(table + ".txt").toFile(), StandardCharsets.UTF_8)) {
      Map<String, String> row = new HashMap<>();
      String[] header = record.getMetaData().headers();
      for (int i = 0; i < header.length; i++) {
        row.put(header[i].replace("\uFEFF", "").strip(), record.getString(i));
      }
      rows.add(row);
    }
    return rows;
  }

  int stopTimes() {
    return rows("stop_times").size();
  }

  /** The stop times the pipeline can enrich: a trip the feed has and a stop_sequence number. */
  List<Map<String, String>> enrichable() {
    Map<String, String> routes = routeOfTrip();
    return rows("stop_times").stream()
        .filter(r -> routes.containsKey(r.get("trip_id")))
        .filter(r -> r.get("stop_sequence").strip().matches("\\d{1,9}"))
        .toList();
  }

  /** "route|hour|departures" over the enrichable stop times, sorted: what the view must serve. */
  List<String> departures() {
    Map<String, String> routes = routeOfTrip();
    Map<String, Integer> counts = new TreeMap<>();
    for (Map<String, String> row : enrichable()) {
      String time = row.get("departure_time");
      String hour =
          time.isBlank() ? "null" : String.valueOf(Integer.parseInt(time.strip().split(":")[0]));
      counts.merge(routes.get(row.get("trip_id")) + "|" + hour, 1, Integer::sum);
    }
    List<String> text = new ArrayList<>();
    counts.forEach((k, v) -> text.add(k + "|" + v));
    text.sort(null);
    return text;
  }

  private Map<String, String> routeOfTrip() {
    Map<String, String> routes = new HashMap<>();
    for (Map<String, String> trip : rows("trips")) {
      routes.put(trip.get("trip_id"), trip.get("route_id"));
    }
    return routes;
  }
}

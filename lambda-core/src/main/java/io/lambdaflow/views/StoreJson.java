package io.lambdaflow.views;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdaflow.spi.Horizon;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** How {@link FolderStore} writes a published state and a micro-batch's description as JSON. */
final class StoreJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StoreJson() {}

  static byte[] write(Published published) throws IOException {
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(toJson(published));
  }

  static Published readPublished(InputStream in) throws IOException {
    return parsePublished(JSON.readTree(in));
  }

  static byte[] write(SpeedBatch batch) throws IOException {
    return JSON.writeValueAsBytes(toJson(batch));
  }

  static SpeedBatch readSpeedBatch(InputStream in, String path) throws IOException {
    return parseSpeedBatch(JSON.readTree(in), path);
  }

  private static ObjectNode toJson(Published published) {
    ObjectNode node = JSON.createObjectNode();
    node.put("run", published.run());
    node.put("runId", published.runId());
    node.put("publishedAt", published.publishedAt().toString());
    ObjectNode horizons = node.putObject("horizons");
    published.horizons().forEach((source, horizon) -> horizons.set(source, toJson(horizon)));
    ObjectNode views = node.putObject("views");
    published
        .views()
        .forEach(
            (name, view) -> {
              ObjectNode v = views.putObject(name);
              v.put("path", view.path());
              v.put("rows", view.rows());
              view.columns().forEach(v.putArray("columns")::add);
            });
    return node;
  }

  private static ObjectNode toJson(Horizon horizon) {
    ObjectNode node = JSON.createObjectNode();
    new TreeMap<>(horizon.ends()).forEach(node::put);
    return node;
  }

  private static Published parsePublished(JsonNode node) {
    Map<String, Horizon> horizons = new LinkedHashMap<>();
    node.path("horizons")
        .fields()
        .forEachRemaining(e -> horizons.put(e.getKey(), new Horizon(longs(e.getValue()))));
    Map<String, Published.BatchView> views = new LinkedHashMap<>();
    node.path("views")
        .fields()
        .forEachRemaining(
            e ->
                views.put(
                    e.getKey(),
                    new Published.BatchView(
                        e.getValue().path("path").asText(),
                        e.getValue().path("rows").asLong(),
                        strings(e.getValue().path("columns")))));
    return new Published(
        node.path("run").asLong(),
        node.path("runId").asText(),
        Instant.parse(node.path("publishedAt").asText()),
        horizons,
        views);
  }

  private static ObjectNode toJson(SpeedBatch batch) {
    ObjectNode node = JSON.createObjectNode();
    node.put("batchId", batch.batchId());
    node.put("rows", batch.rows());
    batch.columns().forEach(node.putArray("columns")::add);
    ObjectNode offsets = node.putObject("maxOffsets");
    batch
        .maxOffsets()
        .forEach(
            (source, byPartition) -> {
              ObjectNode s = offsets.putObject(source);
              byPartition.forEach(s::put);
            });
    node.put("writtenAt", batch.writtenAt().toString());
    return node;
  }

  private static SpeedBatch parseSpeedBatch(JsonNode node, String path) {
    Map<String, Map<String, Long>> offsets = new LinkedHashMap<>();
    node.path("maxOffsets")
        .fields()
        .forEachRemaining(e -> offsets.put(e.getKey(), longs(e.getValue())));
    return new SpeedBatch(
        node.path("batchId").asLong(),
        path,
        node.path("rows").asLong(),
        strings(node.path("columns")),
        offsets,
        Instant.parse(node.path("writtenAt").asText()));
  }

  private static Map<String, Long> longs(JsonNode node) {
    Map<String, Long> values = new TreeMap<>();
    node.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asLong()));
    return values;
  }

  private static List<String> strings(JsonNode node) {
    List<String> values = new ArrayList<>();
    for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
      values.add(it.next().asText());
    }
    return values;
  }
}

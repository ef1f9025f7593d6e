package io.lambdaflow.serving;

import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.SinkNode;
import io.lambdaflow.pipeline.SourceNode;
import io.lambdaflow.pipeline.TransformNode;
import io.lambdaflow.pipeline.ViewNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pipeline's graph as inline SVG: sources, then each transform one column right of its deepest
 * input, then views and sinks right of what they read; an edge from each input.
 */
final class StatusGraph {
  private static final int COLUMN = 210;
  private static final int ROW = 46;
  private static final int BOX_WIDTH = 180;
  private static final int BOX_HEIGHT = 32;

  private record Node(String name, String label, String fill, int column, List<String> inputs) {}

  private StatusGraph() {}

  static String svg(Pipeline pipeline) {
    Map<String, Node> nodes = new LinkedHashMap<>();
    for (SourceNode source : pipeline.sources()) {
      String kind = source.dimension() ? "dimension, " : "";
      nodes.put(
          source.name(),
          new Node(source.name(), "(" + kind + source.type() + ")", "#dbeafe", 0, List.of()));
    }
    for (TransformNode transform : pipeline.transforms()) {
      nodes.put(
          transform.name(),
          new Node(
              transform.name(),
              "(" + transform.type() + ")",
              "#eeeeee",
              after(nodes, transform.inputs()),
              transform.inputs()));
    }
    for (ViewNode view : pipeline.views()) {
      nodes.put(
          "view " + view.name(),
          new Node(
              view.name(),
              "(" + view.kind().name().toLowerCase(Locale.ROOT) + " view)",
              "#dcfce7",
              after(nodes, List.of(view.input())),
              List.of(view.input())));
    }
    for (SinkNode sink : pipeline.sinks()) {
      nodes.put(
          "sink " + sink.name(),
          new Node(
              sink.name(),
              "(" + sink.type() + " sink)",
              "#ffedd5",
              after(nodes, List.of(sink.input())),
              List.of(sink.input())));
    }
    Map<Integer, Integer> rows = new LinkedHashMap<>();
    Map<String, int[]> at = new LinkedHashMap<>();
    int columns = 0;
    int maxRows = 0;
    for (Map.Entry<String, Node> entry : nodes.entrySet()) {
      Node node = entry.getValue();
      int row = rows.merge(node.column(), 1, Integer::sum) - 1;
      at.put(entry.getKey(), new int[] {10 + node.column() * COLUMN, 10 + row * ROW});
      columns = Math.max(columns, node.column() + 1);
      maxRows = Math.max(maxRows, row + 1);
    }
    StringBuilder svg = new StringBuilder();
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg data-graph width=\"%d\" height=\"%d\" role=\"img\">",
            columns * COLUMN + 10,
            maxRows * ROW + 10));
    List<String> boxes = new ArrayList<>();
    for (Map.Entry<String, Node> entry : nodes.entrySet()) {
      int[] to = at.get(entry.getKey());
      for (String input : entry.getValue().inputs()) {
        int[] from = at.get(input);
        if (from != null) {
          svg.append(
              String.format(
                  Locale.ROOT,
                  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>",
                  from[0] + BOX_WIDTH,
                  from[1] + BOX_HEIGHT / 2,
                  to[0],
                  to[1] + BOX_HEIGHT / 2));
        }
      }
      Node node = entry.getValue();
      boxes.add(
          String.format(
              Locale.ROOT,
              "<g data-node=\"%s\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"5\""
                  + " fill=\"%s\" stroke=\"#666\"/><text x=\"%d\" y=\"%d\" font-size=\"12\">%s"
                  + " <tspan fill=\"#666\">%s</tspan></text></g>",
              StatusPage.escape(node.name()),
              to[0],
              to[1],
              BOX_WIDTH,
              BOX_HEIGHT,
              node.fill(),
              to[0] + 8,
              to[1] + 20,
              StatusPage.escape(node.name()),
              StatusPage.escape(node.label())));
    }
    boxes.forEach(svg::append);
    return svg.append("</svg>").toString();
  }

  /** One column right of the deepest of {@code inputs}. */
  private static int after(Map<String, Node> nodes, List<String> inputs) {
    int column = 0;
    for (String input : inputs) {
      Node node = nodes.get(input);
      column = Math.max(column, node == null ? 1 : node.column() + 1);
    }
    return column;
  }
}

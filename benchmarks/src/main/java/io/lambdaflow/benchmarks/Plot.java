package io.lambdaflow.benchmarks;

import io.lambdaflow.status.SpeedStatus;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Charts as PNG, Java2D only (headless), no dependency: latency distributions (one cumulative curve
 * per measured operation, milliseconds on a logarithmic x axis, the share of calls at or below on
 * y) and micro-batch time by phase (stacked bars).
 */
final class Plot {
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)
  };

  private Plot() {}

  static void cdf(String title, List<Latencies> series, Path png) throws IOException {
    int left = 80;
    int right = 30;
    int top = 50;
    int bottom = 70;
    BufferedImage image = canvas();
    Graphics2D g = pen(image);
    double min = Double.MAX_VALUE;
    double max = 0;
    for (Latencies l : series) {
      for (double v : l.samples()) {
        if (v > 0) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
    }
    if (max == 0) {
      min = 0.1;
      max = 1;
    }
    double lo = Math.floor(Math.log10(min));
    double hi = Math.ceil(Math.log10(max));
    if (hi <= lo) {
      hi = lo + 1;
    }
    int plotWidth = WIDTH - left - right;
    int plotHeight = HEIGHT - top - bottom;
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    g.setColor(new Color(0xdddddd));
    for (double decade = lo; decade <= hi; decade++) {
      int x = left + (int) ((decade - lo) / (hi - lo) * plotWidth);
      g.drawLine(x, top, x, top + plotHeight);
      g.setColor(Color.DARK_GRAY);
      String label = format(Math.pow(10, decade)) + " ms";
      g.drawString(
          label,
          Math.min(x - 15, WIDTH - 5 - g.getFontMetrics().stringWidth(label)),
          top + plotHeight + 20);
      g.setColor(new Color(0xdddddd));
    }
    for (int pct = 0; pct <= 100; pct += 25) {
      int y = top + plotHeight - pct * plotHeight / 100;
      g.drawLine(left, y, left + plotWidth, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(pct + "%", left - 40, y + 5);
      g.setColor(new Color(0xdddddd));
    }
    g.setColor(Color.BLACK);
    g.drawRect(left, top, plotWidth, plotHeight);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(title, left, top - 20);
    g.setStroke(new BasicStroke(2f));
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    for (int s = 0; s < series.size(); s++) {
      Latencies l = series.get(s);
      double[] sorted = l.samples();
      g.setColor(COLORS[s % COLORS.length]);
      int px = -1;
      int py = -1;
      for (int i = 0; i < sorted.length; i++) {
        double v = Math.max(sorted[i], Math.pow(10, lo));
        int x = left + (int) ((Math.log10(v) - lo) / (hi - lo) * plotWidth);
        int y = top + plotHeight - (int) ((i + 1) / (double) sorted.length * plotHeight);
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        px = x;
        py = y;
      }
      int legendY = top + 20 + s * 18;
      g.fillRect(left + plotWidth - 330, legendY - 10, 12, 12);
      g.setColor(Color.BLACK);
      g.drawString(
          String.format(
              Locale.ROOT, "%s  p50 %s, p99 %s ms", l.name(), format(l.p50()), format(l.p99())),
          left + plotWidth - 312,
          legendY);
    }
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }

  /**
   * One stacked bar per micro-batch, its milliseconds split by phase (the phases of the first
   * micro-batch, in order), micro-batches in the order they ran.
   */
  static void phases(String title, List<SpeedStatus.MicroBatch> batches, Path png)
      throws IOException {
    int left = 80;
    int right = 230;
    int top = 50;
    int bottom = 60;
    BufferedImage image = canvas();
    Graphics2D g = pen(image);
    List<String> names = new ArrayList<>();
    double max = 1;
    for (SpeedStatus.MicroBatch batch : batches) {
      batch.phases().keySet().stream().filter(k -> !names.contains(k)).forEach(names::add);
      max = Math.max(max, batch.phases().values().stream().mapToLong(Long::longValue).sum());
    }
    double step = Math.pow(10, Math.floor(Math.log10(max)));
    double ceiling = Math.ceil(max / step) * step;
    int plotWidth = WIDTH - left - right;
    int plotHeight = HEIGHT - top - bottom;
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    for (double tick = 0; tick <= ceiling + 1e-9; tick += step) {
      int y = top + plotHeight - (int) (tick / ceiling * plotHeight);
      g.setColor(new Color(0xdddddd));
      g.drawLine(left, y, left + plotWidth, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString((tick == 0 ? "0" : format(tick)) + " ms", 5, y + 5);
    }
    double barWidth = plotWidth / (double) Math.max(1, batches.size());
    for (int b = 0; b < batches.size(); b++) {
      double base = 0;
      for (Map.Entry<String, Long> phase : batches.get(b).phases().entrySet()) {
        g.setColor(COLORS[names.indexOf(phase.getKey()) % COLORS.length]);
        int y0 = top + plotHeight - (int) (base / ceiling * plotHeight);
        base += phase.getValue();
        int y1 = top + plotHeight - (int) (base / ceiling * plotHeight);
        g.fillRect(
            left + (int) (b * barWidth), y1, Math.max(1, (int) barWidth - 1), Math.max(0, y0 - y1));
      }
    }
    g.setColor(Color.BLACK);
    g.drawRect(left, top, plotWidth, plotHeight);
    g.drawString(
        "micro-batches, in the order they ran (" + batches.size() + ")", left, HEIGHT - 25);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(title, left, top - 20);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    for (int n = 0; n < names.size(); n++) {
      int y = top + 20 + n * 20;
      g.setColor(COLORS[n % COLORS.length]);
      g.fillRect(left + plotWidth + 20, y - 10, 12, 12);
      g.setColor(Color.BLACK);
      g.drawString(names.get(n), left + plotWidth + 38, y);
    }
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }

  private static final int WIDTH = 1000;
  private static final int HEIGHT = 600;

  /** A white image of the charts' size (headless). */
  private static BufferedImage canvas() {
    System.setProperty("java.awt.headless", "true");
    return new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
  }

  private static Graphics2D pen(BufferedImage image) {
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WIDTH, HEIGHT);
    return g;
  }

  private static String format(double millis) {
    return millis >= 100
        ? String.format(Locale.ROOT, "%.0f", millis)
        : millis >= 1
            ? String.format(Locale.ROOT, "%.1f", millis)
            : String.format(Locale.ROOT, "%.2f", millis);
  }
}

package io.lambdaflow.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Latency distributions as a PNG: one cumulative curve per measured operation, milliseconds on a
 * logarithmic x axis, the share of calls at or below on y. Java2D only (headless), no dependency.
 */
final class Plot {
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)
  };

  private Plot() {}

  static void cdf(String title, List<Latencies> series, Path png) throws IOException {
    System.setProperty("java.awt.headless", "true");
    int width = 1000;
    int height = 600;
    int left = 80;
    int right = 30;
    int top = 50;
    int bottom = 70;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
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
    int plotWidth = width - left - right;
    int plotHeight = height - top - bottom;
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    g.setColor(new Color(0xdddddd));
    for (double decade = lo; decade <= hi; decade++) {
      int x = left + (int) ((decade - lo) / (hi - lo) * plotWidth);
      g.drawLine(x, top, x, top + plotHeight);
      g.setColor(Color.DARK_GRAY);
      String label = format(Math.pow(10, decade)) + " ms";
      g.drawString(
          label,
          Math.min(x - 15, width - 5 - g.getFontMetrics().stringWidth(label)),
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

  private static String format(double millis) {
    return millis >= 100
        ? String.format(Locale.ROOT, "%.0f", millis)
        : millis >= 1
            ? String.format(Locale.ROOT, "%.1f", millis)
            : String.format(Locale.ROOT, "%.2f", millis);
  }
}

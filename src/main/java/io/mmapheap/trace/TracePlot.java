package io.mmapheap.trace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.IntToLongFunction;

/**
 * A {@link TraceProfile} drawn as an SVG line chart over the operation count: bytes mapped, bytes
 * in live chunks, the live payload, bytes in thread caches and free bytes inside regions. Plain
 * SVG 1.1, written here: a few lines, no dependency, and every element is where a test can find it
 * (each series is a {@code polyline} whose {@code id} is {@code series-NAME}).
 */
public final class TracePlot {

    /** Series ids, in drawing order. */
    public static final String[] SERIES = {"mapped", "in-use", "payload", "cached", "free"};
    private static final String[] LABELS = {"bytes mapped", "in live chunks", "live payload", "in thread caches",
        "free inside regions"};
    private static final String[] COLORS = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd"};
    private static final int WIDTH = 860;
    private static final int HEIGHT = 420;
    private static final int LEFT = 80;
    private static final int RIGHT = 200;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final int TICKS = 5;
    private static final double MIB = 1 << 20;

    private TracePlot() {
    }

    /**
     * Writes the profile's chart to {@code file}.
     *
     * @param profile the replay's samples
     * @param file    where the SVG document goes; replaced if it exists
     * @throws IOException if the file cannot be written
     */
    public static void write(TraceProfile profile, Path file) throws IOException {
        Files.writeString(file, svg(profile), StandardCharsets.UTF_8);
    }

    /**
     * Draws the profile's chart.
     *
     * @param p the replay's samples
     * @return the chart as an SVG document
     */
    public static String svg(TraceProfile p) {
        IntToLongFunction[] series = {p::mapped, p::inUse, p::payload, p::cached, p::free};
        long maxY = 1;
        for (IntToLongFunction s : series) {
            for (int k = 0; k < p.samples(); k++) {
                maxY = Math.max(maxY, s.applyAsLong(k));
            }
        }
        int maxX = Math.max(1, p.samples() == 0 ? 1 : p.op(p.samples() - 1));
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder out = new StringBuilder();
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                + " font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        out.append(String.format(Locale.ROOT, "<title>%s: mmapheap's memory over the operations</title>%n", escape(p.trace())));
        out.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"14\">%s: mmapheap's memory over the operations"
                + " (peak mapped %.2f MiB)</text>%n", LEFT, TOP - 15, escape(p.trace()), p.peakMapped() / MIB));
        // Axes and ticks.
        out.append(String.format(Locale.ROOT, "<g id=\"axes\" stroke=\"#444\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/></g>%n",
                LEFT, TOP, LEFT, HEIGHT - BOTTOM, LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM));
        for (int t = 0; t <= TICKS; t++) {
            double y = HEIGHT - BOTTOM - plotH * t / TICKS;
            double x = LEFT + plotW * t / TICKS;
            out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>"
                    + "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    LEFT - 6, y + 4, maxY * (double) t / TICKS / MIB, LEFT, y, WIDTH - RIGHT, y));
            out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%,d</text>%n",
                    x, HEIGHT - BOTTOM + 18, Math.round((double) maxX * t / TICKS)));
        }
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">MiB</text>%n", LEFT - 40, TOP - 2));
        out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">operations</text>%n",
                LEFT + plotW / 2, HEIGHT - 12));
        // One polyline per series, and its legend entry.
        for (int s = 0; s < series.length; s++) {
            out.append(String.format(Locale.ROOT, "<polyline id=\"series-%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
                    SERIES[s], COLORS[s]));
            for (int k = 0; k < p.samples(); k++) {
                double x = LEFT + plotW * p.op(k) / maxX;
                double y = HEIGHT - BOTTOM - plotH * series[s].applyAsLong(k) / maxY;
                out.append(String.format(Locale.ROOT, "%s%.1f,%.1f", k == 0 ? "" : " ", x, y));
            }
            out.append("\"/>\n");
            int ly = TOP + 20 * s + 10;
            out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n",
                    WIDTH - RIGHT + 15, ly, WIDTH - RIGHT + 40, ly, COLORS[s], WIDTH - RIGHT + 46, ly + 4, LABELS[s]));
        }
        out.append("</svg>\n");
        return out.toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

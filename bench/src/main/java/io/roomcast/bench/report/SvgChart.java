package io.roomcast.bench.report;

import java.util.List;
import java.util.Locale;

/**
 * A line chart as inline SVG, drawn at run time so that the report needs nothing from the network. Axes are
 * linear, or logarithmic on y for latencies that span orders of magnitude.
 */
final class SvgChart {
    record Series(String name, String color, List<double[]> points, boolean dashed) {
    }

    private static final int W = 720;
    private static final int H = 360;
    private static final int LEFT = 70;
    private static final int RIGHT = 170;
    private static final int TOP = 20;
    private static final int BOTTOM = 50;

    private SvgChart() {
    }

    static String render(String title, String xLabel, String yLabel, List<Series> series, boolean logY) {
        double xMax = 0;
        double yMin = Double.MAX_VALUE;
        double yMax = 0;
        for (Series s : series) {
            for (double[] p : s.points()) {
                xMax = Math.max(xMax, p[0]);
                yMax = Math.max(yMax, p[1]);
                if (p[1] > 0) {
                    yMin = Math.min(yMin, p[1]);
                }
            }
        }
        if (xMax == 0) {
            xMax = 1;
        }
        if (yMax == 0) {
            yMax = 1;
        }
        double lo = logY ? Math.pow(10, Math.floor(Math.log10(Math.min(yMin, yMax)))) : 0;
        double hi = logY ? Math.pow(10, Math.ceil(Math.log10(yMax))) : niceCeil(yMax);
        double xHi = niceCeil(xMax);
        StringBuilder svg = new StringBuilder();
        svg.append(fmt("<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\" class=\"chart\">", W, H, esc(title)));
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        // grid and axes
        for (int i = 0; i <= 5; i++) {
            double xv = xHi * i / 5;
            int x = LEFT + plotW * i / 5;
            svg.append(fmt("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"grid\"/>", x, TOP, x, TOP + plotH));
            svg.append(fmt("<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s</text>", x, TOP + plotH + 16,
                    number(xv)));
        }
        if (logY) {
            for (double v = lo; v <= hi * 1.0001; v *= 10) {
                int y = y(v, lo, hi, true, plotH);
                svg.append(fmt("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"grid\"/>", LEFT, y, LEFT + plotW, y));
                svg.append(fmt("<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"end\">%s</text>", LEFT - 6, y + 4,
                        number(v)));
            }
        } else {
            for (int i = 0; i <= 5; i++) {
                double v = hi * i / 5;
                int y = y(v, lo, hi, false, plotH);
                svg.append(fmt("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"grid\"/>", LEFT, y, LEFT + plotW, y));
                svg.append(fmt("<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"end\">%s</text>", LEFT - 6, y + 4,
                        number(v)));
            }
        }
        svg.append(fmt("<text x=\"%d\" y=\"%d\" class=\"label\" text-anchor=\"middle\">%s</text>", LEFT + plotW / 2,
                H - 10, esc(xLabel)));
        svg.append(fmt("<text x=\"14\" y=\"%d\" class=\"label\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">%s</text>",
                TOP + plotH / 2, TOP + plotH / 2, esc(yLabel)));
        // series and legend
        int legendY = TOP + 10;
        for (Series s : series) {
            StringBuilder path = new StringBuilder();
            for (double[] p : s.points()) {
                if (logY && p[1] <= 0) {
                    continue;
                }
                int x = LEFT + (int) (plotW * p[0] / xHi);
                int y = y(p[1], lo, hi, logY, plotH);
                path.append(path.isEmpty() ? "M" : "L").append(x).append(',').append(y);
                svg.append(fmt("<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"%s\"><title>%s: %s, %s</title></circle>",
                        x, y, s.color(), esc(s.name()), number(p[0]), number(p[1])));
            }
            svg.append(fmt("<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>", path, s.color(),
                    s.dashed() ? " stroke-dasharray=\"5 4\"" : ""));
            svg.append(fmt("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>",
                    W - RIGHT + 12, legendY, W - RIGHT + 32, legendY, s.color(),
                    s.dashed() ? " stroke-dasharray=\"5 4\"" : ""));
            svg.append(fmt("<text x=\"%d\" y=\"%d\" class=\"legend\">%s</text>", W - RIGHT + 38, legendY + 4,
                    esc(s.name())));
            legendY += 18;
        }
        return svg.append("</svg>").toString();
    }

    private static int y(double v, double lo, double hi, boolean log, int plotH) {
        double f = log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
        return TOP + (int) Math.round(plotH * (1 - f));
    }

    private static double niceCeil(double v) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * magnitude >= v) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }

    static String number(double v) {
        if (v >= 1e6) {
            return fmt("%.1fM", v / 1e6);
        }
        if (v >= 1e3) {
            return fmt("%.0fk", v / 1e3);
        }
        if (v >= 10 || v == 0) {
            return fmt("%.0f", v);
        }
        return v >= 1 ? fmt("%.1f", v) : fmt("%.2f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}

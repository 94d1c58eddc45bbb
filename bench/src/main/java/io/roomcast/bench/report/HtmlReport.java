package io.roomcast.bench.report;

import io.roomcast.bench.scenario.AbuseScenario;
import io.roomcast.bench.scenario.IdleScenario;
import io.roomcast.bench.scenario.Step;
import io.roomcast.bench.scenario.StormScenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import static io.roomcast.bench.report.SvgChart.esc;

/** {@code report.html}: one self-contained page, charts first, tables after. Nothing is loaded from anywhere. */
public final class HtmlReport {
    private static final Map<String, String> COLORS = Map.of("roomcast", "#5b5bd6", "roomcast-baseline", "#e08a1e",
            "ceiling-batched", "#2b9a66", "ceiling-flush-each", "#8fbf9f", "spring", "#d13d3d",
            "roomcast-2-nodes", "#8e4ec6");

    private HtmlReport() {
    }

    public static String render(Results r) {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Roomcast benchmark ")
                .append(esc(r.date)).append("</title><style>").append(CSS).append("</style></head><body>");
        h.append("<h1>Roomcast benchmark</h1><p class=\"meta\">").append(esc(r.date)).append(" · ")
                .append(esc(String.valueOf(r.machine))).append("</p>");
        h.append("<p class=\"meta\">Every figure below comes from one run: each server as its own process, the same "
                + "generator, the same machine. Absolute numbers on a shared 2-core machine are noise; the ratios are "
                + "the claim.</p>");

        h.append("<h2>Targets</h2><table><tr><th></th><th>Target</th><th>Measured</th><th>Goal</th></tr>");
        for (Results.Target t : r.targets) {
            String verdict = t.met() == null ? "–" : t.met() ? "met" : "missed";
            h.append("<tr class=\"").append(verdict).append("\"><td>").append(verdict).append("</td><td>")
                    .append(esc(t.name())).append("</td><td>").append(esc(t.figure())).append("</td><td>")
                    .append(esc(t.goal())).append("</td></tr>");
        }
        h.append("</table>");

        List<Results.Comparison> baseline = r.baseline.isEmpty() ? Verdicts.baselineComparisons(r) : r.baseline;
        if (!baseline.isEmpty()) {
            h.append("<h2>This build against the baseline build</h2><p>roomcast (")
                    .append(esc(String.valueOf(r.settings.getOrDefault("roomcastJar", "this build"))))
                    .append(") over roomcast-baseline (")
                    .append(esc(String.valueOf(r.settings.getOrDefault("baselineJar", "--baseline-jar"))))
                    .append("), started alike and measured one after the other in this run. Goals: max fan-out "
                            + "rate at least 0.90x, CPU per delivery at most 1.10x (over the rates both sustained). "
                            + "The ratios at single rates show how far the noise goes.</p>");
            h.append("<table><tr><th>Scenario</th><th>Figure</th><th>At msg/s</th><th>roomcast</th>"
                    + "<th>roomcast-baseline</th><th>Ratio</th><th>Both sustained</th></tr>");
            for (Results.Comparison c : baseline) {
                String unit = switch (c.metric()) {
                    case Verdicts.MAX_RATE -> " msg/s";
                    case Verdicts.CPU -> " µs";
                    default -> " ms";
                };
                h.append(row(c.scenario(), c.metric(), c.rate() == null
                                ? (c.metric().equals(Verdicts.CPU) ? "all both sustained" : "") : fmt("%.0f", c.rate()),
                        fmt("%.2f", c.roomcast()) + unit, fmt("%.2f", c.baseline()) + unit, fmt("%.2fx", c.ratio()),
                        c.sustained() ? "yes" : "no"));
            }
            h.append("</table>");
        }

        if (!r.fanout.isEmpty()) {
            h.append("<h2>Fan-out: latency against delivered rate</h2><p>One room, ")
                    .append(r.settings.get("fanoutSubscribers")).append(" subscribers, the publisher stepping up its "
                            + "rate. Solid: p99; dashed: p50. A point is a step; steps that were not sustained "
                            + "(under 95 % delivered or p99 over 1 s) end a line.</p>");
            h.append(SvgChart.render("Fan-out latency", "delivered messages per second", "latency (ms, log)",
                    latencySeries(r.fanout), true));
            h.append(stepTable(r.fanout));
        }
        if (!r.idle.isEmpty()) {
            h.append("<h2>Idle connections: memory</h2><p>Resident memory of the server process (solid) and heap "
                    + "after a full GC (dashed), against connections, each subscribed to a room.</p>");
            List<SvgChart.Series> series = new ArrayList<>();
            List<IdleScenario.Point> held = r.idle.stream().filter(p -> p.failure() == null).toList();
            for (Map.Entry<String, List<IdleScenario.Point>> e : group(held, IdleScenario.Point::target).entrySet()) {
                String color = COLORS.getOrDefault(e.getKey(), "#666");
                series.add(new SvgChart.Series(e.getKey() + " RSS", color, e.getValue().stream()
                        .map(p -> new double[] {p.connections(), p.rssMb()}).toList(), false));
                series.add(new SvgChart.Series(e.getKey() + " heap", color, e.getValue().stream()
                        .map(p -> new double[] {p.connections(), p.heapMb()}).toList(), true));
            }
            h.append(SvgChart.render("Idle memory", "connections", "MB", series, false));
            h.append("<table><tr><th>Server</th><th>Connections</th><th>RSS MB</th><th>RSS KiB/conn</th><th>Heap MB</th>"
                    + "<th>Heap KiB/conn</th><th>Connects/s</th></tr>");
            for (IdleScenario.Point p : r.idle) {
                if (p.failure() != null) {
                    h.append("<tr class=\"missed\"><td>").append(esc(p.target())).append("</td><td colspan=\"6\">")
                            .append(esc(p.failure())).append("</td></tr>");
                    continue;
                }
                h.append(row(p.target(), fmt("%,d", p.connections()), fmt("%.1f", p.rssMb()),
                        fmt("%.2f", p.rssPerConnectionKb()), fmt("%.1f", p.heapMb()), fmt("%.2f", p.heapPerConnectionKb()),
                        p.connectsPerSecond() == null ? "" : fmt("%,.0f", p.connectsPerSecond())));
            }
            h.append("</table>");
            if (!r.connectRounds.isEmpty()) {
                List<SvgChart.Series> rounds = new ArrayList<>();
                for (Map.Entry<String, List<IdleScenario.ConnectRound>> e
                        : group(r.connectRounds, IdleScenario.ConnectRound::target).entrySet()) {
                    rounds.add(new SvgChart.Series(e.getKey(), COLORS.getOrDefault(e.getKey(), "#666"), e.getValue()
                            .stream().map(c -> new double[] {c.round(), c.connectsPerSecond()}).toList(), false));
                }
                h.append("<p>Connect rate on a fresh server of each target: rounds of connections opened and closed "
                        + "until the JIT compilers of the server and the generator took under a tenth of a core, then "
                        + "three timed rounds, whose median is the figure above.</p>")
                        .append(SvgChart.render("Connect rate by round", "round", "connects/s", rounds, false));
                h.append("<table><tr><th>Server</th><th>Warm-up rounds</th><th>Timed rounds, connects/s</th>"
                        + "<th>JIT in timed rounds</th><th>Server CPU µs per connection (open and close)</th></tr>");
                for (Map.Entry<String, List<IdleScenario.ConnectRound>> e
                        : group(r.connectRounds, IdleScenario.ConnectRound::target).entrySet()) {
                    List<IdleScenario.ConnectRound> timed = e.getValue().stream()
                            .filter(IdleScenario.ConnectRound::timed).toList();
                    h.append(row(e.getKey(), fmt("%d", e.getValue().size() - timed.size()),
                            join(timed, c -> fmt("%,.0f", c.connectsPerSecond())),
                            join(timed, c -> fmt("%.0f %%", c.jitShare() * 100)),
                            join(timed, c -> fmt("%,.0f", c.serverCpuMicros()))));
                }
                h.append("</table>");
            }
        }
        if (!r.chat.isEmpty()) {
            h.append("<h2>Chat</h2><p>").append(esc(String.valueOf(r.settings.get("chat")))).append("</p>")
                    .append(stepTable(r.chat));
        }
        if (!r.cluster.isEmpty()) {
            h.append("<h2>Cluster</h2><p>").append(esc(String.valueOf(r.settings.get("cluster"))))
                    .append(": the same chat load on one node (memory bus) and on two nodes with RocketMQ between "
                            + "them, then the fan-out over two nodes.</p>").append(stepTable(r.cluster));
        }
        if (!r.storm.isEmpty()) {
            h.append("<h2>Reconnect storm</h2><table><tr><th>Server</th><th>Clients</th><th>All back (s)</th>"
                    + "<th>p50 ms</th><th>p99 ms</th><th>Recovered</th><th>Back means</th></tr>");
            for (StormScenario.Result s : r.storm) {
                h.append(row(s.target(), fmt("%,d", s.clients()), fmt("%.2f", s.allBackSeconds()), fmt("%.0f", s.p50Ms()),
                        fmt("%.0f", s.p99Ms()), fmt("%,d", s.recovered()), s.doneWhen()));
            }
            h.append("</table>");
        }
        if (!r.abuse.isEmpty()) {
            h.append("<h2>Abuse: a benign client beside the abusers</h2><p>")
                    .append(esc(String.valueOf(r.settings.get("abuse"))))
                    .append("</p><table><tr><th>Server</th><th>Phase</th><th>Round trips</th><th>Lost</th>"
                            + "<th>p50 ms</th><th>p99 ms</th><th>max ms</th><th>Node CPU (cores)</th>"
                            + "<th>Busiest JIT (cores)</th></tr>");
            for (AbuseScenario.Result a : r.abuse) {
                for (AbuseScenario.Phase p : List.of(a.quiet(), a.abused())) {
                    h.append(row(a.target(), p == a.quiet() ? "quiet" : "beside the abuse", fmt("%d", p.samples()),
                            fmt("%d", p.lost()), fmt("%.2f", p.p50Ms()), fmt("%.2f", p.p99Ms()), fmt("%.2f", p.maxMs()),
                            fmt("%.2f", p.serverCores()), fmt("%.2f", p.jitShare())));
                }
            }
            h.append("</table><table><tr><th>Server</th><th>Median ratio</th><th>p99 ratio</th>"
                    + "<th>Flood connections / SENDs / closed</th><th>Connect-flood attempts / accepted</th>"
                    + "<th>Foreign-Origin attempts</th><th>Refused 429 / 403</th><th>Other failures</th>"
                    + "<th>Abuse under way</th><th>Benign still open</th></tr>");
            for (AbuseScenario.Result a : r.abuse) {
                AbuseScenario.Abuse x = a.abuse();
                h.append(row(a.target(), fmt("%.2fx", a.ratio()), fmt("%.2fx", a.p99Ratio()),
                        fmt("%,d / %,d / %,d", x.floodConnections(), x.floodSends(), x.floodCloses()),
                        fmt("%,d / %,d", x.connectFloodAttempts(), x.connectFloodAccepted()),
                        fmt("%,d", x.originAttempts()), fmt("%,d / %,d", x.refusedTooMany(), x.refusedOrigin()),
                        fmt("%,d", x.otherFailures()), a.underWay() ? "yes" : "no", a.benignOpen() ? "yes" : "no"));
            }
            h.append("</table>");
        }
        if (!r.failures.isEmpty()) {
            h.append("<h2>Scenarios that did not complete</h2><ul>");
            r.failures.forEach(f -> h.append("<li>").append(esc(f)).append("</li>"));
            h.append("</ul>");
        }
        h.append("<h2>Settings</h2><pre>").append(esc(String.valueOf(r.settings))).append("</pre></body></html>");
        return h.toString();
    }

    private static List<SvgChart.Series> latencySeries(List<Step> steps) {
        List<SvgChart.Series> series = new ArrayList<>();
        for (Map.Entry<String, List<Step>> e : group(steps, Step::target).entrySet()) {
            List<Step> sorted = e.getValue().stream().sorted((a, b) -> Double.compare(a.offeredPerSecond(),
                    b.offeredPerSecond())).toList();
            String color = COLORS.getOrDefault(e.getKey(), "#666");
            series.add(new SvgChart.Series(e.getKey() + " p99", color, sorted.stream()
                    .map(s -> new double[] {s.deliveredPerSecond(), s.p99Ms()}).toList(), false));
            series.add(new SvgChart.Series(e.getKey() + " p50", color, sorted.stream()
                    .map(s -> new double[] {s.deliveredPerSecond(), s.p50Ms()}).toList(), true));
        }
        return series;
    }

    private static String stepTable(List<Step> steps) {
        StringBuilder t = new StringBuilder("<table><tr><th>Server</th><th>Scenario</th><th>Offered msg/s</th>"
                + "<th>Delivered/s</th><th>Delivered</th><th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th>"
                + "<th>CPU us/delivery</th><th>Sustained</th></tr>");
        for (Step s : steps) {
            t.append(row(s.target(), s.scenario(), fmt("%.0f", s.offeredPerSecond()), fmt("%,.0f", s.deliveredPerSecond()),
                    fmt("%.1f%%", s.deliveredRatio() * 100), fmt("%.2f", s.p50Ms()), fmt("%.2f", s.p99Ms()),
                    fmt("%.2f", s.p999Ms()), s.cpuMicrosPerDelivery() == null ? "" : fmt("%.2f", s.cpuMicrosPerDelivery()),
                    s.sustained() ? "yes" : "no"));
        }
        return t.append("</table>").toString();
    }

    private static <T> String join(List<T> items, Function<T, String> format) {
        return items.stream().map(format).collect(java.util.stream.Collectors.joining(", "));
    }

    private static <T> Map<String, List<T>> group(List<T> items, Function<T, String> key) {
        Map<String, List<T>> groups = new LinkedHashMap<>();
        for (T item : items) {
            groups.computeIfAbsent(key.apply(item), k -> new ArrayList<>()).add(item);
        }
        return groups;
    }

    private static String row(String... cells) {
        StringBuilder b = new StringBuilder("<tr>");
        for (String c : cells) {
            b.append("<td>").append(esc(c)).append("</td>");
        }
        return b.append("</tr>").toString();
    }

    private static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }

    private static final String CSS = "body{font:15px/1.45 system-ui,sans-serif;max-width:980px;margin:2rem auto;"
            + "padding:0 1rem;color:#1c1c28}h1{margin-bottom:.2rem}.meta{color:#656579}table{border-collapse:collapse;"
            + "width:100%;margin:1rem 0 2rem;font-variant-numeric:tabular-nums}th,td{text-align:left;padding:.3rem .5rem;"
            + "border-bottom:1px solid #e3e3ee}th{font-size:.8rem;text-transform:uppercase;color:#656579}"
            + "tr.met td:first-child{color:#2b9a66;font-weight:700}tr.missed td:first-child{color:#d13d3d;font-weight:700}"
            + ".chart{width:100%;height:auto;background:#fafafe;border:1px solid #e3e3ee;border-radius:8px}"
            + ".grid{stroke:#e3e3ee}.tick{font-size:11px;fill:#656579}.label{font-size:12px;fill:#1c1c28}"
            + ".legend{font-size:12px;fill:#1c1c28}pre{white-space:pre-wrap;color:#656579}";
}

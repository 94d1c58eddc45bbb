package io.roomcast.bench.report;

import io.roomcast.bench.scenario.AbuseScenario;
import io.roomcast.bench.scenario.IdleScenario;
import io.roomcast.bench.scenario.Step;
import io.roomcast.bench.scenario.StormScenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything one run measured, as written to {@code results.json}. */
public final class Results {
    public String date;
    public Map<String, Object> machine = new LinkedHashMap<>();
    public Map<String, Object> settings = new LinkedHashMap<>();
    public List<IdleScenario.Point> idle = new ArrayList<>();
    /** The warm connect-rate measurement, round by round: warm-up rounds, then the timed ones. */
    public List<IdleScenario.ConnectRound> connectRounds = new ArrayList<>();
    public List<Step> fanout = new ArrayList<>();
    public List<Step> chat = new ArrayList<>();
    public List<Step> cluster = new ArrayList<>();
    public List<StormScenario.Result> storm = new ArrayList<>();
    /** The benign client beside the abusers, per Roomcast target. */
    public List<AbuseScenario.Result> abuse = new ArrayList<>();
    /**
     * With {@code --baseline-jar}: each figure of {@code roomcast} over the same figure of {@code
     * roomcast-baseline}, measured in this run (see {@link Verdicts#baselineComparisons}).
     */
    public List<Comparison> baseline = new ArrayList<>();
    public List<Target> targets = new ArrayList<>();
    /** Scenarios that could not complete, with the reason (a baseline running out of memory, say). */
    public List<String> failures = new ArrayList<>();

    /**
     * One of the targets: what was measured, what it had to be, and whether it was met.
     *
     * @param met null when the run did not measure it
     */
    public record Target(String name, String figure, String goal, Boolean met) {
    }

    /**
     * One figure of {@code roomcast} against {@code roomcast-baseline}.
     *
     * @param scenario fanout or chat
     * @param metric   "max sustained rate" (msg/s), "CPU per delivery" (µs) or "p99" (ms)
     * @param rate     the publish rate both were measured at (msg/s), or null for a figure over several: the
     *                 max sustained rate, and CPU per delivery over every rate both sustained
     * @param ratio    roomcast / roomcast-baseline
     * @param sustained whether both held the step (for figures at one rate)
     */
    public record Comparison(String scenario, String metric, Double rate, double roomcast, double baseline,
                             double ratio, boolean sustained) {
    }
}

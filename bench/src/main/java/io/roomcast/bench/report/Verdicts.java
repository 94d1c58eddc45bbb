package io.roomcast.bench.report;

import io.roomcast.bench.scenario.AbuseScenario;
import io.roomcast.bench.scenario.IdleScenario;
import io.roomcast.bench.scenario.Step;
import io.roomcast.bench.servers.Targets;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Issue 5's targets, checked against one run's figures, as ratios between servers measured in that run; with
 * {@code --baseline-jar}, this build against the baseline build; and the abuse scenario's benign client.
 */
public final class Verdicts {
    public static final String MAX_RATE = "max sustained rate";
    public static final String CPU = "CPU per delivery";
    public static final String P99 = "p99";
    /** roomcast / roomcast-baseline, CPU per delivery: at most this (within 10 %; cheaper passes). */
    public static final double BASELINE_CPU_GOAL = 1.10;
    /** roomcast / roomcast-baseline, max sustained fan-out rate: at least this. */
    public static final double BASELINE_RATE_GOAL = 0.90;

    private Verdicts() {
    }

    /** The highest publish rate of a sustained step (0 if none). */
    public static double maxSustainedRate(List<Step> steps) {
        return steps.stream().filter(Step::sustained).mapToDouble(Step::offeredPerSecond).max().orElse(0);
    }

    static double maxSustainedDeliveries(List<Step> steps, String target) {
        return steps.stream().filter(s -> s.target().equals(target) && s.sustained())
                .mapToDouble(Step::deliveredPerSecond).max().orElse(0);
    }

    static Optional<Step> at(List<Step> steps, String target, double rate) {
        return steps.stream().filter(s -> s.target().equals(target) && Math.abs(s.offeredPerSecond() - rate) < 1e-9)
                .findFirst();
    }

    public static List<Results.Target> evaluate(Results r) {
        List<Results.Target> out = new ArrayList<>();
        // Idle memory at the largest N measured.
        r.idle.stream().filter(p -> p.target().equals(Targets.ROOMCAST) && p.failure() == null)
                .max(Comparator.comparingInt(IdleScenario.Point::connections)).ifPresent(p -> out.add(new Results.Target(
                        "idle memory per connection", String.format("%.2f KiB RSS at %,d connections (heap %.2f KiB)",
                        p.rssPerConnectionKb(), p.connections(), p.heapPerConnectionKb()), "<= 4 KiB RSS",
                        p.rssPerConnectionKb() <= 4.0)));
        // Fan-out against both baselines.
        double rc = maxSustainedDeliveries(r.fanout, Targets.ROOMCAST);
        double ceiling = maxSustainedDeliveries(r.fanout, Targets.CEILING_BATCHED);
        double spring = maxSustainedDeliveries(r.fanout, Targets.SPRING);
        if (rc > 0 && ceiling > 0) {
            out.add(new Results.Target("fan-out vs batched ceiling", String.format("%,.0f vs %,.0f deliveries/s = %.2fx",
                    rc, ceiling, rc / ceiling), ">= 0.8x", rc / ceiling >= 0.8));
        }
        if (rc > 0 && spring > 0) {
            out.add(new Results.Target("fan-out vs Spring", String.format("%,.0f vs %,.0f deliveries/s = %.2fx",
                    rc, spring, rc / spring), ">= 2.5x", rc / spring >= 2.5));
        }
        // CPU per delivery at 50 msg/s into the room.
        Optional<Step> rc50 = at(r.fanout, Targets.ROOMCAST, 50);
        Optional<Step> spring50 = at(r.fanout, Targets.SPRING, 50);
        if (rc50.isPresent() && spring50.isPresent() && rc50.get().cpuMicrosPerDelivery() != null
                && spring50.get().cpuMicrosPerDelivery() != null) {
            double ratio = rc50.get().cpuMicrosPerDelivery() / spring50.get().cpuMicrosPerDelivery();
            out.add(new Results.Target("CPU per delivery at 50 msg/s", String.format("%.2f vs %.2f us = %.2fx Spring",
                    rc50.get().cpuMicrosPerDelivery(), spring50.get().cpuMicrosPerDelivery(), ratio), "<= 0.6x Spring",
                    ratio <= 0.6));
        }
        // Latency at half of Roomcast's best rate, against the ceiling at the same rate.
        double half = maxSustainedRate(r.fanout.stream().filter(s -> s.target().equals(Targets.ROOMCAST)).toList()) / 2;
        Optional<Step> rcHalf = at(r.fanout, Targets.ROOMCAST, half);
        Optional<Step> ceilingHalf = at(r.fanout, Targets.CEILING_BATCHED, half);
        if (rcHalf.isPresent() && ceilingHalf.isPresent()) {
            double ratio = rcHalf.get().p99Ms() / ceilingHalf.get().p99Ms();
            out.add(new Results.Target("p99 at half Roomcast's max rate", String.format(
                    "%.2f vs %.2f ms at %.0f msg/s = %.2fx ceiling", rcHalf.get().p99Ms(), ceilingHalf.get().p99Ms(),
                    half, ratio), "<= 2x batched ceiling", ratio <= 2));
        }
        // What the bus adds, at the highest cluster rate; the lower rates show how it grows with load.
        Optional<Step> two = r.cluster.stream().filter(s -> s.scenario().equals("chat-2-nodes"))
                .max(Comparator.comparingDouble(Step::offeredPerSecond));
        Optional<Step> one = two.flatMap(t -> r.cluster.stream().filter(s -> s.scenario().equals("chat-1-node")
                && s.offeredPerSecond() == t.offeredPerSecond()).findFirst());
        if (one.isPresent() && two.isPresent()) {
            double added = two.get().p99Ms() - one.get().p99Ms();
            out.add(new Results.Target("p99 the bus adds (2 nodes, RocketMQ)", String.format(
                    "%.2f ms (%.2f vs %.2f ms, %.0f msg/s, %.1f%% delivered)", added, two.get().p99Ms(),
                    one.get().p99Ms(), two.get().offeredPerSecond(), two.get().deliveredRatio() * 100),
                    "<= 10 ms", added <= 10 && two.get().sustained()));
        }
        // Connect rate.
        Optional<Double> rcConnect = connectRate(r, Targets.ROOMCAST);
        Optional<Double> springConnect = connectRate(r, Targets.SPRING);
        if (rcConnect.isPresent() && springConnect.isPresent()) {
            double ratio = rcConnect.get() / springConnect.get();
            // The generator shares the machine and spends about as much CPU per connection as a fast server, so
            // the rate ratio is bounded by what the ceiling reaches; the servers' own CPU per connection says
            // how far apart the servers themselves are.
            StringBuilder figure = new StringBuilder(String.format("%,.0f vs %,.0f /s = %.2fx",
                    rcConnect.get(), springConnect.get(), ratio));
            connectRate(r, Targets.CEILING_BATCHED).ifPresent(c -> figure.append(String.format(
                    " (batched ceiling: %.2fx Spring)", c / springConnect.get())));
            Optional<Double> rcCpu = connectCpuMicros(r, Targets.ROOMCAST);
            Optional<Double> springCpu = connectCpuMicros(r, Targets.SPRING);
            if (rcCpu.isPresent() && springCpu.isPresent()) {
                figure.append(String.format("; server CPU per connection %.0f vs %.0f µs = %.2fx Spring's",
                        rcCpu.get(), springCpu.get(), rcCpu.get() / springCpu.get()));
            }
            out.add(new Results.Target("connect rate vs Spring", figure.toString(), ">= 3x", ratio >= 3));
        }
        out.addAll(baselineTargets(r.baseline.isEmpty() ? baselineComparisons(r) : r.baseline));
        for (AbuseScenario.Result a : r.abuse) {
            out.add(abuseTarget(a));
        }
        return out;
    }

    /**
     * This build against the baseline build, for fan-out and chat: the max sustained rate (fan-out), CPU per
     * delivery and p99 at each rate both were measured at, and CPU per delivery over all the rates both
     * sustained (all their server CPU over all their deliveries: the steps are equally long). Empty without a
     * {@code roomcast-baseline} in the run.
     */
    public static List<Results.Comparison> baselineComparisons(Results r) {
        List<Results.Comparison> out = new ArrayList<>();
        compare(out, "fanout", r.fanout, true);
        compare(out, "chat", r.chat, false);
        return out;
    }

    private static void compare(List<Results.Comparison> out, String scenario, List<Step> steps, boolean maxRate) {
        List<Step> mine = steps.stream().filter(s -> s.target().equals(Targets.ROOMCAST)).toList();
        List<Step> base = steps.stream().filter(s -> s.target().equals(Targets.ROOMCAST_BASELINE)).toList();
        if (mine.isEmpty() || base.isEmpty()) {
            return;
        }
        if (maxRate) {
            double a = maxSustainedRate(mine);
            double b = maxSustainedRate(base);
            out.add(new Results.Comparison(scenario, MAX_RATE, null, a, b, ratio(a, b), a > 0 && b > 0));
        }
        TreeSet<Double> rates = mine.stream().map(Step::offeredPerSecond)
                .filter(rate -> at(base, Targets.ROOMCAST_BASELINE, rate).isPresent())
                .collect(Collectors.toCollection(TreeSet::new));
        double cpuA = 0;
        double cpuB = 0;
        double deliveriesA = 0;
        double deliveriesB = 0;
        for (double rate : rates) {
            Step a = at(mine, Targets.ROOMCAST, rate).orElseThrow();
            Step b = at(base, Targets.ROOMCAST_BASELINE, rate).orElseThrow();
            boolean both = a.sustained() && b.sustained();
            if (a.cpuMicrosPerDelivery() != null && b.cpuMicrosPerDelivery() != null) {
                out.add(new Results.Comparison(scenario, CPU, rate, a.cpuMicrosPerDelivery(),
                        b.cpuMicrosPerDelivery(), ratio(a.cpuMicrosPerDelivery(), b.cpuMicrosPerDelivery()), both));
                if (both) {
                    cpuA += a.cpuMicrosPerDelivery() * a.deliveredPerSecond();
                    deliveriesA += a.deliveredPerSecond();
                    cpuB += b.cpuMicrosPerDelivery() * b.deliveredPerSecond();
                    deliveriesB += b.deliveredPerSecond();
                }
            }
            out.add(new Results.Comparison(scenario, P99, rate, a.p99Ms(), b.p99Ms(), ratio(a.p99Ms(), b.p99Ms()),
                    both));
        }
        if (deliveriesA > 0 && deliveriesB > 0) {
            out.add(new Results.Comparison(scenario, CPU, null, cpuA / deliveriesA, cpuB / deliveriesB,
                    ratio(cpuA / deliveriesA, cpuB / deliveriesB), true));
        }
    }

    private static double ratio(double a, double b) {
        return b == 0 ? Double.NaN : a / b;
    }

    /** One line per ratio: the two with a goal (max rate, CPU per delivery) MET or MISS, p99 shown for the noise. */
    private static List<Results.Target> baselineTargets(List<Results.Comparison> comparisons) {
        List<Results.Target> out = new ArrayList<>();
        for (String scenario : comparisons.stream().map(Results.Comparison::scenario).distinct().toList()) {
            List<Results.Comparison> mine = comparisons.stream().filter(c -> c.scenario().equals(scenario)).toList();
            mine.stream().filter(c -> c.metric().equals(MAX_RATE)).findFirst().ifPresent(c -> out.add(
                    new Results.Target(scenario + ": max sustained rate vs baseline", c.baseline() == 0
                            ? String.format("%.0f vs %.0f msg/s: the baseline sustained no step", c.roomcast(),
                            c.baseline())
                            : String.format("%.0f vs %.0f msg/s = %.2fx (the steps are coarse)", c.roomcast(),
                            c.baseline(), c.ratio()),
                            String.format(">= %.2fx baseline: max fan-out rate at least 90 %% of the baseline",
                                    BASELINE_RATE_GOAL),
                            c.baseline() == 0 ? null : c.ratio() >= BASELINE_RATE_GOAL)));
            List<Results.Comparison> perRate = mine.stream().filter(c -> c.metric().equals(CPU) && c.rate() != null)
                    .toList();
            Optional<Results.Comparison> pooled = mine.stream().filter(c -> c.metric().equals(CPU)
                    && c.rate() == null).findFirst();
            String cpuGoal = String.format("<= %.2fx baseline: CPU per delivery within 10 %% of the baseline "
                    + "(cheaper passes)", BASELINE_CPU_GOAL);
            if (pooled.isPresent()) {
                Results.Comparison c = pooled.get();
                List<Results.Comparison> held = perRate.stream().filter(Results.Comparison::sustained).toList();
                String over = held.size() == 1 ? String.format("at %.0f msg/s", held.get(0).rate())
                        : String.format("over the %d rates both sustained, all CPU / all deliveries (per rate %s)",
                        held.size(), held.stream().map(p -> String.format("%.0f: %.2fx", p.rate(), p.ratio()))
                                .collect(Collectors.joining(", ")));
                out.add(new Results.Target(scenario + ": CPU per delivery vs baseline", String.format(
                        "%.2f vs %.2f µs = %.2fx %s", c.roomcast(), c.baseline(), c.ratio(), over), cpuGoal,
                        c.ratio() <= BASELINE_CPU_GOAL));
            } else if (!perRate.isEmpty()) {
                out.add(new Results.Target(scenario + ": CPU per delivery vs baseline",
                        "no rate sustained by both", cpuGoal, null));
            }
            List<Results.Comparison> p99 = mine.stream().filter(c -> c.metric().equals(P99)).toList();
            if (!p99.isEmpty()) {
                String figure = p99.size() == 1
                        ? String.format("%.2f vs %.2f ms = %.2fx at %.0f msg/s%s", p99.get(0).roomcast(),
                        p99.get(0).baseline(), p99.get(0).ratio(), p99.get(0).rate(),
                        p99.get(0).sustained() ? "" : " (not sustained by both)")
                        : "at " + p99.stream().map(c -> String.format("%.0f", c.rate())).collect(Collectors.joining("/"))
                        + " msg/s: " + p99.stream().map(c -> String.format("%.2fx", c.ratio())
                        + (c.sustained() ? "" : "*")).collect(Collectors.joining("/"))
                        + (p99.stream().allMatch(Results.Comparison::sustained) ? "" : " (*: not sustained by both)");
                out.add(new Results.Target(scenario + ": p99 vs baseline", figure,
                        "none: shown to read the noise", null));
            }
        }
        return out;
    }

    /** The abuse scenario's goal: the benign client's median round trip beside the abuse under 2x its quiet one. */
    static Results.Target abuseTarget(AbuseScenario.Result a) {
        String name = "benign round trip beside abuse" + (a.target().equals(Targets.ROOMCAST) ? ""
                : " (" + a.target() + ")");
        boolean floored = a.quiet().p50Ms() < 1 || a.abused().p50Ms() < 1;
        String figure = String.format("median %.2f -> %.2f ms = %.2fx%s; p99 %.2f -> %.2f ms = %.2fx; %,d upgrades "
                        + "refused, the flooder closed %,d times%s%s", a.quiet().p50Ms(), a.abused().p50Ms(), a.ratio(),
                floored ? " (under 1 ms counts as 1)" : "", a.quiet().p99Ms(), a.abused().p99Ms(), a.p99Ratio(),
                a.abuse().refusedTooMany() + a.abuse().refusedOrigin(), a.abuse().floodCloses(),
                a.abused().lost() > 0 ? String.format("; %d round trips lost", a.abused().lost()) : "",
                a.benignOpen() ? "" : "; the benign client was closed");
        if (!a.underWay()) {
            return new Results.Target(name, "the abuse did not get going (no flood close or under 10 refusals): "
                    + figure, "< 2x quiet median", null);
        }
        return new Results.Target(name, figure, String.format("< %.0fx quiet median (medians under 1 ms count as 1 ms)",
                AbuseScenario.GOAL_RATIO), a.benignOpen() && a.abused().lost() == 0
                && a.ratio() < AbuseScenario.GOAL_RATIO);
    }

    /** The median server CPU per connection over the target's timed connect-rate rounds. */
    private static Optional<Double> connectCpuMicros(Results r, String target) {
        List<Double> cpu = r.connectRounds.stream().filter(c -> c.target().equals(target) && c.timed())
                .map(IdleScenario.ConnectRound::serverCpuMicros).sorted().toList();
        return cpu.isEmpty() ? Optional.empty() : Optional.of(cpu.get(cpu.size() / 2));
    }

    private static Optional<Double> connectRate(Results r, String target) {
        return r.idle.stream().filter(p -> p.target().equals(target) && p.connectsPerSecond() != null
                        && !p.connectsPerSecond().isNaN())
                .map(IdleScenario.Point::connectsPerSecond).findFirst();
    }
}

package io.roomcast.bench.report;

import io.roomcast.bench.scenario.IdleScenario;
import io.roomcast.bench.scenario.Step;
import io.roomcast.bench.servers.Targets;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Issue 5's targets, checked against one run's figures, as ratios between servers measured in that run. */
public final class Verdicts {
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
        return out;
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

package io.roomcast.bench.report;

import io.roomcast.bench.scenario.IdleScenario;
import io.roomcast.bench.scenario.Step;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HtmlReportTest {
    private static Step step(String target, double rate, double delivered, double p99, boolean sustained) {
        return new Step(target, "fanout", rate, delivered, sustained ? 1.0 : 0.5, p99 / 2, p99, p99 * 1.5, p99 * 2,
                10.0, sustained);
    }

    @Test
    void theReportIsSelfContainedWithChartsAndVerdicts() {
        Results r = new Results();
        r.date = "2026-11-28";
        r.fanout.add(step("roomcast", 50, 50_000, 5, true));
        r.fanout.add(step("roomcast", 100, 100_000, 9, true));
        r.fanout.add(step("ceiling-batched", 100, 100_000, 6, true));
        r.fanout.add(step("spring", 50, 50_000, 20, true));
        r.fanout.add(step("spring", 100, 60_000, 2000, false));
        r.idle.add(new IdleScenario.Point("roomcast", 5000, 120, 40, 3.5, 2.0, 9000.0, null));
        r.idle.add(new IdleScenario.Point("spring", 11000, 1200, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                "spring could not hold 11,000 idle connections: out of memory"));
        r.targets.addAll(Verdicts.evaluate(r));
        String html = HtmlReport.render(r);
        assertThat(html).contains("<svg").contains("roomcast p99").contains("spring p99");
        assertThat(html).contains("spring could not hold 11,000");
        assertThat(html).doesNotContain("http://").doesNotContain("https://").doesNotContain("<script");
        // Roomcast sustained 100k/s, Spring 50k/s: 2x, short of 2.5x.
        assertThat(r.targets).anySatisfy(t -> {
            assertThat(t.name()).isEqualTo("fan-out vs Spring");
            assertThat(t.met()).isFalse();
            assertThat(t.figure()).contains("2.00x");
        });
        assertThat(r.targets).anySatisfy(t -> {
            assertThat(t.name()).isEqualTo("idle memory per connection");
            assertThat(t.met()).isTrue();
        });
    }

    @Test
    void theConnectRateVerdictNamesTheCeilingAndTheServersCpuPerConnection() {
        Results r = new Results();
        r.date = "2026-12-02";
        r.idle.add(new IdleScenario.Point("roomcast", 5000, 120, 40, 3.5, 2.0, null, null));
        r.idle.add(new IdleScenario.Point("roomcast", 10000, 150, 60, 3.4, 2.0, 5000.0, null));
        r.idle.add(new IdleScenario.Point("ceiling-batched", 10000, 150, 60, 3.4, 2.0, 6000.0, null));
        r.idle.add(new IdleScenario.Point("spring", 10000, 1200, 900, 100, 90, 2500.0, null));
        r.connectRounds.add(new IdleScenario.ConnectRound("roomcast", 1, false, 1000, 1.5, 900));
        r.connectRounds.add(new IdleScenario.ConnectRound("roomcast", 2, true, 5000, 0.02, 300));
        r.connectRounds.add(new IdleScenario.ConnectRound("spring", 1, true, 2500, 0.01, 600));
        r.targets.addAll(Verdicts.evaluate(r));
        assertThat(r.targets).anySatisfy(t -> {
            assertThat(t.name()).isEqualTo("connect rate vs Spring");
            assertThat(t.met()).isFalse();
            assertThat(t.figure()).contains("2.00x").contains("ceiling: 2.40x Spring")
                    .contains("300 vs 600 µs = 0.50x");
        });
        String html = HtmlReport.render(r);
        assertThat(html).contains("Connect rate by round").contains("5,000").contains("300");
    }
}

package io.roomcast.bench.scenario;

import org.HdrHistogram.Histogram;

/**
 * One load step's outcome.
 *
 * @param offeredPerSecond   messages published per second
 * @param deliveredPerSecond deliveries per second over the step
 * @param deliveredRatio     deliveries received / deliveries expected
 * @param cpuMicrosPerDelivery server CPU time (user + system) per delivery, null when not measured
 * @param sustained          at least 95 % delivered with p99 under one second
 */
public record Step(String target, String scenario, double offeredPerSecond, double deliveredPerSecond,
                   double deliveredRatio, double p50Ms, double p99Ms, double p999Ms, double maxMs,
                   Double cpuMicrosPerDelivery, boolean sustained) {

    static Step of(String target, String scenario, double offered, long expected, long delivered, double seconds,
                   Histogram h, Double cpuMicros) {
        double ratio = expected == 0 ? 0 : (double) delivered / expected;
        double p99 = ms(h, 99.0);
        return new Step(target, scenario, offered, delivered / seconds, ratio, ms(h, 50.0), p99, ms(h, 99.9),
                h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1e6, cpuMicros, ratio >= 0.95 && p99 < 1000);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e6;
    }

    String line() {
        return String.format("%-20s %-8s offered %8.0f msg/s  delivered %,10.0f/s (%5.1f%%)  p50 %7.2f  p99 %7.2f"
                        + "  p99.9 %7.2f ms%s%s", target, scenario, offeredPerSecond, deliveredPerSecond,
                deliveredRatio * 100, p50Ms, p99Ms, p999Ms,
                cpuMicrosPerDelivery == null ? "" : String.format("  cpu %.2f us/delivery", cpuMicrosPerDelivery),
                sustained ? "" : "  NOT SUSTAINED");
    }
}

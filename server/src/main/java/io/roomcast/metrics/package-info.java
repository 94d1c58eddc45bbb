/**
 * What operators see of a node: Prometheus metrics through Micrometer, served at {@code /metrics}.
 * {@link io.roomcast.metrics.NodeMetrics} names every meter in one place.
 */
package io.roomcast.metrics;

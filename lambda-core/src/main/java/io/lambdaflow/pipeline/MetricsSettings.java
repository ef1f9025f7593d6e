package io.lambdaflow.pipeline;

import static java.util.Objects.requireNonNull;

/**
 * The {@code metrics} section: where the speed layer and a scheduled batch layer serve their
 * Prometheus metrics ({@code /metrics}); the serving layer serves them on its own port.
 *
 * @param host the address to bind; beyond loopback the serving section's token and keystore apply
 * @param speedPort the speed layer's metrics port: 0 picks a free one, -1 serves none
 * @param schedulePort a scheduled batch layer's ({@code lambda schedule}) metrics port, likewise
 */
public record MetricsSettings(String host, int speedPort, int schedulePort) {
  public MetricsSettings {
    requireNonNull(host, "host is null");
  }
}

package dev.snapshotsidecar.observe;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayCostMetricsTest {

    @Test
    @DisplayName("the tails' estimated replay cost is published per type and quantile, in milliseconds")
    void published() {
        SidecarMetrics metrics = new SidecarMetrics();
        metrics.update(new HeadStatistics(Map.of(), Map.of("patient", new LengthDistribution(new long[]{100, 300,
                500})), Map.of()), Map.of("patient", new ReplayCostEstimate(40, 300, 1000,
                Optional.of(Duration.ofMillis(20)))));
        assertThat(metrics.registry().get("sidecar.stream.replay.cost").tag("aggregate.type", "patient")
                .tag("quantile", "p50").gauge().value()).isEqualTo(12.0);
        assertThat(metrics.registry().get("sidecar.stream.replay.cost").tag("quantile", "max").gauge().value())
                .isEqualTo(20.0);
        assertThat(metrics.scrape()).contains("sidecar_stream_replay_cost_milliseconds{aggregate_type=\"patient\","
                + "quantile=\"p95\"} 20.0");
    }
}

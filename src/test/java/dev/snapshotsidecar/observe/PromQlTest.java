package dev.snapshotsidecar.observe;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The test's reading of PromQL and of the text exposition, on expressions of the kind the chart ships. */
class PromQlTest {

    @Test
    @DisplayName("selectors, matchers and grouping labels are found; functions, aggregations and durations are not"
            + " metrics")
    void references() {
        PromQl.References refs = PromQl.references("max by (namespace, job, aggregate_type) "
                + "(sidecar_stream_events_since_snapshot_events{quantile=\"max\", job=\"x\"}) - on (namespace, job,"
                + " aggregate_type) max by (namespace, job, aggregate_type) (sidecar_stream_snapshot_threshold_events)"
                + " > 500 and sum(rate(sidecar_build_results_builds_total{outcome=~\"FAILED|TOO_LARGE\"}[5m:1m]"
                + " offset 1h)) * 60 > bool 1 or vector(0)");
        assertThat(refs.selectors()).extracting(PromQl.Selector::metric).containsExactly(
                "sidecar_stream_events_since_snapshot_events", "sidecar_stream_snapshot_threshold_events",
                "sidecar_build_results_builds_total");
        assertThat(refs.selectors().get(0).matchers()).containsExactly(new PromQl.Matcher("quantile", "=", "max"),
                new PromQl.Matcher("job", "=", "x"));
        assertThat(refs.selectors().get(2).matchers().get(0).accepts("TOO_LARGE")).isTrue();
        assertThat(refs.selectors().get(2).matchers().get(0).accepts("WRITTEN")).isFalse();
        assertThat(refs.groupingLabels()).containsExactly("namespace", "job", "aggregate_type");
    }

    @Test
    @DisplayName("a scrape is read as series with their labels and values")
    void scrape() {
        PromQl.Scrape scrape = PromQl.scrape("# HELP x\n# TYPE a counter\na_total{outcome=\"FAILED\",b=\"q\\\"x\"} 3.0\n"
                + "g 1.5E9\n");
        assertThat(scrape.labelNames("a_total")).containsExactly("b", "outcome");
        assertThat(scrape.labelValues("a_total", "b")).containsExactly("q\"x");
        assertThat(scrape.value("a_total", Map.of("outcome", "FAILED", "b", "q\"x"))).isEqualTo(3.0);
        assertThat(scrape.value("g", Map.of())).isEqualTo(1.5e9);
        assertThat(scrape.series().keySet()).isEqualTo(java.util.Set.copyOf(List.of("a_total", "g")));
    }
}

package dev.snapshotsidecar.observe;

import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.track.RebuildProgress;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The status page as rendered from a given model: no server, no browser. */
class StatusPageTest {
    final MovingClock clock = new MovingClock(Instant.parse("2026-11-28T09:30:00Z"));

    /** A clock the test moves. */
    static final class MovingClock extends java.time.Clock {
        private Instant now;

        MovingClock(Instant start) {
            now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
    final SidecarMetrics metrics = new SidecarMetrics();

    static LengthDistribution values(long... values) {
        return new LengthDistribution(values);
    }

    HeadStatistics statistics() {
        return new HeadStatistics(
                Map.of("patient", new LengthDistribution(LongStream.rangeClosed(1, 1000).toArray()),
                        "prescription", values(20, 40, 60)),
                Map.of("patient", values(0, 10, 499, 500, 1200), "prescription", values(20, 40, 60)),
                Map.of("patient", values(30, 200, 4000, 90_000)), 2, 75);
    }

    BuildHistory history() {
        BuildHistory history = new BuildHistory(clock);
        SnapshotRequest request = SnapshotRequest.of("patient-<b>\"1\"&", "patient", 1200, 700,
                RequestReason.THRESHOLD, clock.instant());
        history.record(request, SnapshotResult.of(request.streamId(), 1200, Outcome.FAILED,
                "UnknownEventTypeException: no handler for <img src=x onerror=alert(1)>", 12));
        clock.advance(Duration.ofMinutes(3));
        history.record(request, SnapshotResult.of(request.streamId(), 1200, Outcome.WRITTEN, "", 12));
        return history;
    }

    String render(List<String> instances) {
        metrics.update(statistics(), clock.millis());
        metrics.thresholds(Map.of("patient", 500, "prescription", 0));
        InstanceStatus status = new InstanceStatus(instances.get(0), "RUNNING", new InstanceStatus.Partitions(
                List.of(0, 2), List.of(1), "app-requests", List.of(0, 1, 2, 3)), new InstanceStatus.Limits(4, 50),
                Map.of("patient", 500), history().view());
        return StatusPage.render(new StatusPage.Model(List.of("patient", "prescription"), statistics(),
                metrics.published().orElseThrow(), instances, List.of(),
                Map.of("patient", new RebuildProgress("patient", 2, 0, 1, 1, 1000, 600, 550, 50, 3)), status,
                List.of(), metrics.registry(), 0));
    }

    @Test
    @DisplayName("every figure that names a series shows the series' value in words and numbers a person reads")
    void figures() {
        String html = render(List.of("10.0.0.5:8080"));
        List<PageFigures.Figure> figures = PageFigures.parse(html);
        assertThat(figures).extracting(PageFigures.Figure::name).contains("sidecar_stream_length_events",
                "sidecar_stream_events_since_snapshot_events", "sidecar_stream_snapshot_age_seconds",
                "sidecar_stream_snapshot_threshold_events", "sidecar_build_backlog_requests",
                "sidecar_build_results_builds_total", "sidecar_erasures_pending_streams",
                "sidecar_erasures_oldest_pending_seconds", "sidecar_track_dead_letters_records_total",
                "sidecar_stream_statistics_timestamp_seconds");
        for (PageFigures.Figure figure : figures) {
            assertThat(PageFigures.shown(figure)).as(figure.series()).isCloseTo(PageFigures.expectedShown(figure),
                    within(0.051));
        }
        // the numbers themselves: nearest-rank percentiles of the heads, durations in seconds
        assertThat(figures).filteredOn(f -> f.series().equals(
                "sidecar_stream_length_events{aggregate_type=patient, quantile=p95}"))
                .singleElement().satisfies(f -> assertThat(f.text()).isEqualTo("950"));
        assertThat(figures).filteredOn(f -> f.series().equals(
                "sidecar_stream_snapshot_age_seconds{aggregate_type=patient, quantile=max}"))
                .singleElement().satisfies(f -> assertThat(f.text()).isEqualTo("1d 1h 0m 0s"));
        assertThat(figures).filteredOn(f -> f.name().equals("sidecar_erasures_oldest_pending_seconds"))
                .singleElement().satisfies(f -> assertThat(f.text()).isEqualTo("1m 15s"));
        assertThat(html).contains("Rebuild (this instance's 2 tracker tasks): under way · asked 600 of 1,000");
    }

    @Test
    @DisplayName("failures show stream id and reason, escaped; nothing is loaded from elsewhere and no script runs")
    void failuresEscapedAndSelfContained() {
        String html = render(List.of("10.0.0.5:8080"));
        assertThat(html).contains("patient-&lt;b&gt;&quot;1&quot;&amp;",
                "no handler for &lt;img src=x onerror=alert(1)&gt;").doesNotContain("<img", "<b>\"1\"");
        assertThat(html).doesNotContain("<script", "<link", "@import", "url(", "src=\"");
        assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).doesNotContain("http://", "https://");
        assertThat(html.split("<svg", -1)).as("three charts: two per type with data... and the builds per minute")
                .hasSize(1 + 2 * 2 + 1);
        assertThat(html).contains("<title>Stream lengths (events): 1-9 9; 10-49 40; 50-99 50; 100-199 100;"
                + " 200-499 300; 500-999 500; 1000-1999 1; 2000-4999 0; 5000-9999 0; 10000+ 0;</title>");
        assertThat(html).contains("red: due (500 or more)", "data-recent-outcome=\"FAILED\">1 FAILED");
    }

    @Test
    @DisplayName("over several instances the per-type figures are the merged distribution, which no one instance's"
            + " gauges show: they name no series then")
    void severalInstances() {
        String html = render(List.of("10.0.0.5:8080", "10.0.0.6:8080"));
        assertThat(PageFigures.parse(html)).extracting(PageFigures.Figure::name)
                .doesNotContain("sidecar_stream_length_events", "sidecar_stream_events_since_snapshot_events")
                .contains("sidecar_build_backlog_requests");
        assertThat(html).contains("Distributions over the heads of 2 instances");
    }
}

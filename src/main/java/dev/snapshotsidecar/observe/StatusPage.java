package dev.snapshotsidecar.observe;

import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.track.RebuildProgress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The status page at {@code /}: one self-contained HTML document, rendered on the server, with charts as inline SVG,
 * no script and nothing loaded from elsewhere, so it reads the same in any browser, in a terminal browser and with
 * JavaScript off. Per aggregate type: the stream-length histogram from the tracker's heads (the "measure first"
 * rule's thresholds 200 and 500 are bucket edges), events since the latest snapshot against the type's threshold,
 * snapshot age, a rebuild under way; for the instance: the worker's backlog and rate against its limits, outcomes of
 * the last minutes and since start, the last failures (stream id and reason, never a payload), dead letters,
 * erasures owed, and the partitions it holds.
 *
 * <p>A figure that a series of this instance's {@code /metrics} also shows carries that series in a
 * {@code data-metric} attribute and its raw value in {@code data-value} (seconds for durations), so that a test (or
 * an operator) can hold the page to the metrics. Per-type figures carry it only when the page covers this instance
 * alone: over several instances they are the distribution of all heads, which no single instance's gauges show.
 *
 * <p>Stateless: {@link #render} is a pure function of its {@link Model}.
 */
final class StatusPage {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final int MINUTES = (int) BuildHistory.WINDOW.toMinutes();
    /** Outcomes a build answers with (erasure outcomes included); the others are not build results. */
    private static final List<Outcome> BUILD_OUTCOMES = List.of(Outcome.WRITTEN, Outcome.ALREADY_CURRENT,
            Outcome.FAILED, Outcome.TOO_LARGE, Outcome.HEAD_BEYOND_EVENTS, Outcome.ERASED, Outcome.EVENTS_REMAIN);
    private static final Map<Outcome, String> COLOURS = Map.of(Outcome.WRITTEN, "#2e7d32",
            Outcome.ALREADY_CURRENT, "#81c784", Outcome.FAILED, "#c62828", Outcome.TOO_LARGE, "#ef6c00",
            Outcome.HEAD_BEYOND_EVENTS, "#8e24aa", Outcome.ERASED, "#546e7a", Outcome.EVENTS_REMAIN, "#90a4ae");

    private StatusPage() {
    }

    /**
     * Everything the page shows.
     *
     * @param types         the configured aggregate types, in order
     * @param statistics    the heads' statistics over every instance that answered
     * @param local         this instance's share, as its gauges show it, and when it was computed
     * @param instances     every instance the page covers, this one first
     * @param unreachable   instances that did not answer
     * @param rebuilds      this instance's share of each type's latest rebuild, where one is known
     * @param notReady      why the instance is not ready; empty when it is
     * @param refreshSeconds how often the page reloads itself (a meta refresh); 0 for never
     */
    record Model(List<String> types, HeadStatistics statistics, SidecarMetrics.Published local,
                 List<String> instances, List<String> unreachable, Map<String, RebuildProgress> rebuilds,
                 InstanceStatus status, List<String> notReady, MeterRegistry meters, int refreshSeconds) {
    }

    static String render(Model m) {
        Html html = new Html();
        html.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        if (m.refreshSeconds() > 0) {
            html.raw("<meta http-equiv=\"refresh\" content=\"" + m.refreshSeconds() + "\">");
        }
        html.raw("<title>snapshot-sidecar · ").text(m.status().instance()).raw("</title><style>" + CSS
                + "</style></head><body>");
        header(html, m);
        boolean alone = m.instances().size() == 1 && m.unreachable().isEmpty();
        html.raw("<section id=\"types\"><h2>Aggregate types</h2>");
        if (!alone) {
            html.raw("<p class=\"note\">Distributions over the heads of ").text(m.instances().size() + " instances")
                    .raw(m.unreachable().isEmpty() ? "" : ", without the unreachable ones").raw("; each instance's "
                            + "<code>/metrics</code> shows its own share.</p>");
        }
        for (String type : m.types()) {
            typeSection(html, m, type, alone);
        }
        html.raw("</section>");
        builds(html, m);
        failures(html, m.status().builds());
        deadLettersAndErasures(html, m);
        partitions(html, m);
        html.raw("<footer>Figures as of ").raw(CLOCK.format(Instant.ofEpochMilli(m.local().atMillis())))
                .raw(" (stream statistics) and now (counters). Raw: <a href=\"/metrics\">/metrics</a> · "
                        + "<a href=\"/aggregate-types\">/aggregate-types</a> · <a href=\"/health/ready\">"
                        + "/health/ready</a>. ")
                .raw(m.refreshSeconds() > 0 ? "Reloads every " + m.refreshSeconds() + " s (<a href=\"/\">stop</a>)."
                        : "<a href=\"/?refresh=30\">Reload every 30 s</a>.")
                .raw("</footer></body></html>\n");
        return html.toString();
    }

    private static void header(Html html, Model m) {
        InstanceStatus s = m.status();
        html.raw("<header><h1>snapshot-sidecar</h1><p>Instance <b>").text(s.instance()).raw("</b> · tracker <b>")
                .text(s.trackerState()).raw("</b> · ");
        if (m.notReady().isEmpty()) {
            html.raw("<span class=\"ok\">ready</span>");
        } else {
            html.raw("<span class=\"bad\">not ready</span>: ").text(String.join("; ", m.notReady()));
        }
        html.raw(" · stream statistics of <span id=\"statistics-time\" data-format=\"time\" data-metric=\""
                + "sidecar_stream_statistics_timestamp_seconds\" data-value=\"")
                .raw(String.format(Locale.ROOT, "%.3f", m.local().atMillis() / 1000.0)).raw("\">")
                .raw(CLOCK.format(Instant.ofEpochMilli(m.local().atMillis()))).raw("</span></p><p>Instances: ")
                .text(String.join(", ", m.instances()));
        if (!m.unreachable().isEmpty()) {
            html.raw(" · <span class=\"bad\">unreachable: ").text(String.join(", ", m.unreachable())).raw("</span>");
        }
        html.raw("</p></header>");
    }

    private static void typeSection(Html html, Model m, String type, boolean alone) {
        LengthDistribution empty = new LengthDistribution(new long[0]);
        LengthDistribution lengths = m.statistics().lengths().getOrDefault(type, empty);
        LengthDistribution tails = m.statistics().tails().getOrDefault(type, empty);
        LengthDistribution ages = m.statistics().stalenessSeconds().getOrDefault(type, empty);
        Optional<Integer> threshold = Optional.ofNullable(m.status().thresholds().get(type));
        Recommendation recommendation = Recommendation.forP95(lengths.percentile(95));
        HeadStatistics local = m.local().statistics();
        html.raw("<article class=\"type\" id=\"type-").attr(type).raw("\"><h3>").text(type).raw("</h3><p>")
                .raw("<b data-figure=\"streams\">").raw(count(lengths.count())).raw("</b> streams · <span class=\"rec ")
                .raw(recommendation.name().toLowerCase(Locale.ROOT)).raw("\">").text(recommendation.name())
                .raw("</span>: ").text(recommendation.explain(lengths.percentile(95), Double.NaN)
                        .replace("; a p95 replay costs about NaN ms here, worth snapshots if that shows in your read"
                                + " latency", "; analyze measures the replay cost"));
        if (threshold.isPresent()) {
            html.raw(" · due every ");
            figure(html, "span", "sidecar_stream_snapshot_threshold_events", labels("aggregate_type", type),
                    threshold.get(), count(threshold.get()));
            html.raw(" events");
        }
        html.raw("</p><table><tr><th></th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>");
        quantileRow(html, "stream length (events)", "sidecar_stream_length_events", type, lengths,
                alone && local.lengths().containsKey(type), false);
        quantileRow(html, "events since latest snapshot", "sidecar_stream_events_since_snapshot_events", type, tails,
                alone && local.tails().containsKey(type), false);
        quantileRow(html, "snapshot age", "sidecar_stream_snapshot_age_seconds", type, ages,
                alone && local.stalenessSeconds().containsKey(type), true);
        html.raw("</table><div class=\"charts\">");
        histogram(html, "Stream lengths (events)", lengths.histogram().stream()
                .map(b -> new Bar(b.label(), b.count(), b.from() >= 500 ? "#c62828" : b.from() >= 200 ? "#ef6c00"
                        : "#1565c0")).toList(), "the measure-first rule: orange from 200, red from 500");
        histogram(html, "Events since the latest snapshot", tailBars(tails, threshold),
                threshold.map(n -> "red: due (" + count(n) + " or more)").orElse("no every-n-events threshold"));
        html.raw("</div>");
        Map<Outcome, Long> recent = m.status().builds().outcomes(type);
        html.raw("<p>Builds of the last ").raw(Integer.toString(MINUTES)).raw(" minutes: ");
        if (recent.isEmpty()) {
            html.raw("none");
        }
        List<String> parts = new ArrayList<>();
        recent.forEach((outcome, n) -> parts.add("<span class=\"o-" + outcome.name().toLowerCase(Locale.ROOT)
                + "\" data-recent-outcome=\"" + outcome.name() + "\">" + count(n) + " " + outcome.name() + "</span>"));
        html.raw(String.join(", ", parts)).raw("</p>");
        RebuildProgress rebuild = m.rebuilds().get(type);
        if (rebuild != null && rebuild.tasks() > rebuild.waiting()) {
            html.raw("<p class=\"rebuild\">Rebuild (this instance's ").raw(Integer.toString(rebuild.tasks()))
                    .raw(" tracker tasks): ").raw(rebuild.walking() > 0 ? "under way" : "every stream asked for")
                    .raw(" · asked ").raw(count(rebuild.requested())).raw(" of ").raw(count(rebuild.streams()))
                    .raw(" · rebuilt ").raw(count(rebuild.answered())).raw(" · pending ").raw(count(rebuild.pending()))
                    .raw(" · failing ").raw(count(rebuild.failing())).raw("</p>");
        }
        html.raw("</article>");
    }

    private static void quantileRow(Html html, String name, String metric, String type, LengthDistribution d,
                                    boolean backed, boolean seconds) {
        html.raw("<tr><th>").text(name).raw("</th>");
        Map<String, Long> values = new LinkedHashMap<>();
        values.put("p50", d.percentile(50));
        values.put("p95", d.percentile(95));
        values.put("p99", d.percentile(99));
        values.put("max", d.max());
        values.forEach((quantile, value) -> {
            String text = d.count() == 0 ? "–" : seconds ? duration(value) : count(value);
            if (backed && d.count() > 0) {
                figure(html, "td", metric, labels("aggregate_type", type, "quantile", quantile), value, text);
            } else {
                html.raw("<td>").raw(text).raw("</td>");
            }
        });
        html.raw("</tr>");
    }

    private static List<Bar> tailBars(LengthDistribution tails, Optional<Integer> threshold) {
        if (threshold.isEmpty()) {
            return tails.histogram().stream().map(b -> new Bar(b.label(), b.count(), "#1565c0")).toList();
        }
        long n = threshold.get();
        long[][] ranges = {{0, n / 4}, {n / 4, n / 2}, {n / 2, 3 * n / 4}, {3 * n / 4, n}, {n, 2 * n},
            {2 * n, Long.MAX_VALUE}};
        List<Bar> bars = new ArrayList<>();
        for (long[] r : ranges) {
            long from = r[0];
            long to = r[1];
            long inRange = java.util.Arrays.stream(tails.sorted()).filter(v -> v >= from && v < to).count();
            String label = to == Long.MAX_VALUE ? count(from) + "+" : count(from) + "-" + count(to - 1);
            bars.add(new Bar(label, inRange, from >= n ? "#c62828" : "#1565c0"));
        }
        return bars;
    }

    private record Bar(String label, long value, String colour) {
    }

    /** A bar chart as inline SVG, with the count over each bar and a text alternative. */
    private static void histogram(Html html, String title, List<Bar> bars, String legend) {
        int width = 56;
        int gap = 8;
        int height = 120;
        long most = Math.max(1, bars.stream().mapToLong(Bar::value).max().orElse(1));
        int svgWidth = bars.size() * (width + gap) + gap;
        StringBuilder alt = new StringBuilder(title).append(": ");
        bars.forEach(b -> alt.append(b.label()).append(' ').append(b.value()).append("; "));
        html.raw("<figure><figcaption>").text(title).raw("</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" "
                + "role=\"img\" width=\"" + svgWidth + "\" height=\"" + (height + 40) + "\" viewBox=\"0 0 " + svgWidth
                + " " + (height + 40) + "\"><title>").text(alt.toString().trim()).raw("</title>");
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            int h = (int) Math.round((double) height * b.value() / most);
            int x = gap + i * (width + gap);
            html.raw(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
                    + "<title>%s: %d</title></rect>", x, 16 + height - h, width, Math.max(h, b.value() > 0 ? 1 : 0),
                    b.colour(), Html.escape(b.label()), b.value()));
            html.raw(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"v\">%s"
                    + "</text>", x + width / 2, 12 + height - h, count(b.value())));
            html.raw(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"l\">%s"
                    + "</text>", x + width / 2, height + 32, Html.escape(b.label())));
        }
        html.raw("</svg><p class=\"legend\">").text(legend).raw("</p></figure>");
    }

    private static void builds(Html html, Model m) {
        MeterRegistry meters = m.meters();
        InstanceStatus.Limits limits = m.status().limits();
        BuildHistory.View history = m.status().builds();
        html.raw("<section id=\"builds\"><h2>Builds on this instance</h2><table class=\"kv\">");
        html.raw("<tr><th>backlog (requests waiting)</th>");
        figure(html, "td", "sidecar_build_backlog_requests", Map.of(), gauge(meters, "sidecar.build.backlog"));
        html.raw("</tr><tr><th>in flight, of at most ").raw(count(limits.concurrency())).raw(" building</th>");
        figure(html, "td", "sidecar_build_in_flight_requests", Map.of(), gauge(meters, "sidecar.build.in.flight"));
        html.raw("</tr><tr><th>paused (taking no requests)</th>");
        figure(html, "td", "sidecar_build_paused_workers", Map.of(), gauge(meters, "sidecar.build.paused"));
        html.raw("</tr><tr><th>builds per second, last minute</th><td>")
                .raw(String.format(Locale.ROOT, "%.2f", history.perSecondLastMinute())).raw(" of at most ")
                .raw(count(limits.maxBuildsPerSecond())).raw(" started</td></tr>");
        Optional<Timer> waits = Optional.ofNullable(meters.find("sidecar.build.rate.limit.wait").timer());
        html.raw("<tr><th>waits for the rate limit</th>");
        figure(html, "td", "sidecar_build_rate_limit_wait_seconds_count", Map.of(),
                waits.map(Timer::count).orElse(0L));
        html.raw("</tr><tr><th>time waited for the rate limit</th>");
        double waited = waits.map(t -> t.totalTime(TimeUnit.SECONDS)).orElse(0.0);
        figure(html, "td", "sidecar_build_rate_limit_wait_seconds_sum", Map.of(), waited,
                String.format(Locale.ROOT, "%.1f s", waited));
        html.raw("</tr><tr><th>attempts retried</th>");
        figure(html, "td", "sidecar_build_retries_attempts_total", Map.of(), counter(meters, "sidecar.build.retries"));
        html.raw("</tr></table>");
        html.raw("<h3>Outcomes</h3><table><tr><th>outcome</th><th>last ").raw(Integer.toString(MINUTES))
                .raw(" min</th><th>since start</th></tr>");
        Map<Outcome, Long> window = new java.util.EnumMap<>(Outcome.class);
        history.builds().forEach(b -> window.merge(b.outcome(), 1L, Long::sum));
        for (Outcome outcome : BUILD_OUTCOMES) {
            html.raw("<tr><th class=\"o-").raw(outcome.name().toLowerCase(Locale.ROOT)).raw("\">")
                    .text(outcome.name()).raw("</th><td>").raw(count(window.getOrDefault(outcome, 0L)))
                    .raw("</td>");
            figure(html, "td", "sidecar_build_results_builds_total", labels("outcome", outcome.name()),
                    counter(meters, "sidecar.build.results", "outcome", outcome.name()));
            html.raw("</tr>");
        }
        html.raw("</table>");
        perMinuteChart(html, history.perMinute(MINUTES));
        html.raw("</section>");
    }

    /** Builds per minute, stacked by outcome, oldest minute on the left. */
    private static void perMinuteChart(Html html, List<Map<Outcome, Long>> minutes) {
        int width = 28;
        int gap = 4;
        int height = 100;
        long most = Math.max(1, minutes.stream().mapToLong(m -> m.values().stream().mapToLong(Long::longValue).sum())
                .max().orElse(1));
        int svgWidth = minutes.size() * (width + gap) + gap;
        StringBuilder alt = new StringBuilder("Builds per minute, oldest first: ");
        minutes.forEach(m -> alt.append(m.values().stream().mapToLong(Long::longValue).sum()).append(' '));
        html.raw("<figure><figcaption>Builds per minute, last ").raw(Integer.toString(minutes.size()))
                .raw(" minutes</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"" + svgWidth
                        + "\" height=\"" + (height + 24) + "\"><title>").text(alt.toString().trim()).raw("</title>");
        for (int i = 0; i < minutes.size(); i++) {
            int x = gap + i * (width + gap);
            int y = height;
            for (Outcome outcome : BUILD_OUTCOMES) {
                long n = minutes.get(i).getOrDefault(outcome, 0L);
                if (n == 0) {
                    continue;
                }
                int h = Math.max(1, (int) Math.round((double) height * n / most));
                y -= h;
                html.raw(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
                        + "<title>%d min ago: %d %s</title></rect>", x, y, width, h, COLOURS.get(outcome),
                        minutes.size() - 1 - i, n, outcome.name()));
            }
        }
        html.raw(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"l\">-%d min</text><text x=\"%d\" "
                + "y=\"%d\" text-anchor=\"end\" class=\"l\">now</text>", gap, height + 18, minutes.size(),
                svgWidth - gap, height + 18));
        html.raw("</svg><p class=\"legend\">");
        BUILD_OUTCOMES.forEach(o -> html.raw("<span class=\"swatch\" style=\"background:" + COLOURS.get(o)
                + "\"></span>" + o.name() + " "));
        html.raw("</p></figure>");
    }

    private static void failures(Html html, BuildHistory.View history) {
        html.raw("<section id=\"failures\"><h2>Last failures</h2>");
        if (history.lastFailures().isEmpty()) {
            html.raw("<p>None since this instance started.</p></section>");
            return;
        }
        html.raw("<table><tr><th>at</th><th>stream</th><th>type</th><th>version</th><th>outcome</th><th>reason</th>"
                + "</tr>");
        for (BuildHistory.FinishedBuild f : history.lastFailures()) {
            html.raw("<tr><td>").raw(CLOCK.format(Instant.ofEpochMilli(f.atMillis()))).raw("</td><td><code>")
                    .text(f.streamId()).raw("</code></td><td>").text(f.aggregateType()).raw("</td><td>")
                    .raw(Long.toString(f.version())).raw("</td><td class=\"o-")
                    .raw(f.outcome().name().toLowerCase(Locale.ROOT)).raw("\">").text(f.outcome().name())
                    .raw("</td><td>").text(f.detail()).raw("</td></tr>");
        }
        html.raw("</table></section>");
    }

    private static void deadLettersAndErasures(Html html, Model m) {
        MeterRegistry meters = m.meters();
        html.raw("<section id=\"dead-letters\"><h2>Dead letters</h2><table class=\"kv\"><tr><th>change events that "
                + "could not be parsed</th>");
        figure(html, "td", "sidecar_ingest_dead_letters_events_total", Map.of(),
                counter(meters, "sidecar.ingest.dead.letters"));
        for (String input : List.of("results", "commands")) {
            html.raw("</tr><tr><th>records of the ").raw(input).raw(" topic that could not be read</th>");
            figure(html, "td", "sidecar_track_dead_letters_records_total", labels("input", input),
                    counter(meters, "sidecar.track.dead.letters", "input", input));
        }
        html.raw("</tr><tr><th>requests that could not be read</th>");
        figure(html, "td", "sidecar_build_dead_letters_requests_total", Map.of(),
                counter(meters, "sidecar.build.dead.letters"));
        html.raw("</tr></table></section>");

        html.raw("<section id=\"erasures\"><h2>Erasures</h2><table class=\"kv\"><tr><th>owed, not yet confirmed</th>");
        figure(html, "td", "sidecar_erasures_pending_streams", Map.of(), gauge(meters, "sidecar.erasures.pending"));
        html.raw("</tr><tr><th>oldest owed for</th>");
        double oldest = gauge(meters, "sidecar.erasures.oldest.pending");
        figure(html, "td", "sidecar_erasures_oldest_pending_seconds", Map.of(), oldest, duration((long) oldest));
        for (String outcome : List.of("requested", "confirmed", "events-remain", "failed")) {
            html.raw("</tr><tr><th>").raw(outcome.replace('-', ' ')).raw(" since start</th>");
            figure(html, "td", "sidecar_track_erasures_streams_total", labels("outcome", outcome),
                    counter(meters, "sidecar.track.erasures", "outcome", outcome));
        }
        html.raw("</tr></table></section>");
    }

    private static void partitions(Html html, Model m) {
        InstanceStatus.Partitions p = m.status().partitions();
        html.raw("<section id=\"partitions\"><h2>Partitions of this instance</h2><table class=\"kv\">"
                + "<tr><th>tracker tasks (active)</th><td data-partitions=\"tracker-active\">")
                .text(list(p.trackerActive())).raw("</td></tr><tr><th>tracker tasks (standby copies)</th><td>")
                .text(list(p.trackerStandby())).raw("</td></tr><tr><th>worker, of ").text(p.requestsTopic())
                .raw("</th><td data-partitions=\"worker\">").text(list(p.worker())).raw("</td></tr>"
                        + "<tr><th>tracker tasks waiting for a first start's announcements</th>");
        figure(html, "td", "sidecar_track_bootstrap_waiting_tasks", Map.of(),
                gauge(m.meters(), "sidecar.track.bootstrap.waiting.tasks"));
        html.raw("</tr><tr><th>change events appended</th>");
        figure(html, "td", "sidecar_ingest_events_total", labels("outcome", "appended"),
                counter(m.meters(), "sidecar.ingest.events", "outcome", "appended"));
        html.raw("</tr></table></section>");
    }

    private static String list(List<Integer> partitions) {
        return partitions.isEmpty() ? "none" : partitions.stream().map(String::valueOf)
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** A figure backed by a series of this instance's metrics, shown as a count. */
    private static void figure(Html html, String element, String metric, Map<String, String> labels, double value) {
        figure(html, element, metric, labels, value, count(Math.round(value)));
    }

    private static void figure(Html html, String element, String metric, Map<String, String> labels, double value,
                               String text) {
        StringBuilder series = new StringBuilder(metric);
        if (!labels.isEmpty()) {
            List<String> pairs = new ArrayList<>();
            labels.forEach((k, v) -> pairs.add(k + "=\"" + v + "\""));
            series.append('{').append(String.join(",", pairs)).append('}');
        }
        html.raw("<" + element + " class=\"n\" data-metric=\"").attr(series.toString()).raw("\" data-value=\"")
                .raw(value == Math.rint(value) ? Long.toString((long) value)
                        : String.format(Locale.ROOT, "%.6f", value)).raw("\">").text(text)
                .raw("</" + element + ">");
    }

    private static Map<String, String> labels(String... keysAndValues) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            labels.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return labels;
    }

    private static double counter(MeterRegistry meters, String name, String... tags) {
        Counter counter = meters.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    private static double gauge(MeterRegistry meters, String name) {
        Gauge gauge = meters.find(name).gauge();
        return gauge == null ? 0 : gauge.value();
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** 45s, 3m 20s, 2h 5m, 3d 4h: what a person reads; {@code data-value} keeps the seconds. */
    static String duration(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m " + seconds % 60 + "s";
        }
        if (seconds < 86_400) {
            return seconds / 3600 + "h " + seconds % 3600 / 60 + "m " + seconds % 60 + "s";
        }
        return seconds / 86_400 + "d " + seconds % 86_400 / 3600 + "h " + seconds % 3600 / 60 + "m " + seconds % 60
                + "s";
    }

    /** Builds the document; {@link #text} and {@link #attr} escape, {@link #raw} does not. */
    private static final class Html {
        private final StringBuilder out = new StringBuilder(32 * 1024);

        Html raw(String s) {
            out.append(s);
            return this;
        }

        Html text(String s) {
            out.append(escape(s));
            return this;
        }

        Html attr(String s) {
            out.append(escape(s));
            return this;
        }

        static String escape(String s) {
            StringBuilder escaped = new StringBuilder(s.length());
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '&' -> escaped.append("&amp;");
                    case '<' -> escaped.append("&lt;");
                    case '>' -> escaped.append("&gt;");
                    case '"' -> escaped.append("&quot;");
                    case '\'' -> escaped.append("&#39;");
                    default -> escaped.append(c);
                }
            }
            return escaped.toString();
        }

        @Override
        public String toString() {
            return out.toString();
        }
    }

    private static final String CSS = "body{font:14px/1.4 system-ui,sans-serif;margin:0 2em 2em;color:#212121}"
            + "header{border-bottom:2px solid #1565c0;margin-bottom:1em}h1{font-size:1.5em;margin:.6em 0 .2em}"
            + "h2{font-size:1.2em;margin:1.4em 0 .4em;border-bottom:1px solid #ccc}h3{margin:.8em 0 .2em}"
            + "table{border-collapse:collapse;margin:.3em 0}td,th{padding:2px 10px;text-align:right;"
            + "border-bottom:1px solid #eee}th{text-align:left;font-weight:600}.kv th{font-weight:normal}"
            + ".type{border:1px solid #ddd;border-radius:6px;padding:.2em 1em .6em;margin:.8em 0}"
            + ".charts{display:flex;flex-wrap:wrap;gap:2em}figure{margin:.4em 0}figcaption{font-weight:600}"
            + "svg text{font-size:11px;fill:#424242}.legend{font-size:12px;color:#616161;margin:0}"
            + ".ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}.note{color:#616161}"
            + ".rec.necessary{color:#c62828;font-weight:600}.rec.judgement{color:#ef6c00;font-weight:600}"
            + ".rec.premature{color:#1565c0;font-weight:600}.o-failed,.o-too_large{color:#c62828}"
            + ".swatch{display:inline-block;width:10px;height:10px;margin:0 3px 0 8px}"
            + "#failures td{text-align:left;vertical-align:top}"
            + "footer{margin-top:2em;color:#616161;font-size:12px}code{font-size:13px}";
}

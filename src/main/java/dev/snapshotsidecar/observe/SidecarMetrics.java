package dev.snapshotsidecar.observe;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Prometheus registry every stage's meters go to, with the JVM and process binders, and the stream-length
 * gauges per aggregate type ({@code sidecar.stream.length}, {@code sidecar.stream.events.since.snapshot},
 * {@code sidecar.stream.snapshot.age}, each with a {@code quantile} tag), refreshed from {@link HeadStatistics}
 * together with the erasure gauges and {@code sidecar.stream.statistics.timestamp}, the time they were computed.
 * Also each type's snapshot threshold ({@code sidecar.stream.snapshot.threshold}), so that an alert can compare the
 * events since a snapshot with it. Thread-safe.
 */
public final class SidecarMetrics {
    private static final double[] QUANTILES = {50, 95, 99, 100};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();
    private final AtomicLong erasuresPending = new AtomicLong();
    private final AtomicLong oldestErasure = new AtomicLong();
    private final AtomicLong statisticsMillis = new AtomicLong();
    private volatile Optional<Published> published = Optional.empty();

    /** The statistics the gauges show, and when they were computed (epoch milliseconds). */
    public record Published(HeadStatistics statistics, long atMillis) {
    }

    public SidecarMetrics() {
        Gauge.builder("sidecar.erasures.pending", erasuresPending, AtomicLong::get)
                .description("Streams whose events were deleted and whose erasure the database has not confirmed yet,"
                        + " among the heads this instance holds").baseUnit("streams").register(registry);
        Gauge.builder("sidecar.erasures.oldest.pending", oldestErasure, AtomicLong::get)
                .description("How long the oldest erasure owed among the heads this instance holds has been owed; 0"
                        + " when none is").baseUnit("seconds").register(registry);
        Gauge.builder("sidecar.stream.statistics.timestamp", statisticsMillis, millis -> millis.get() / 1000.0)
                .description("When the per-type stream gauges and the erasure gauges were last computed from the"
                        + " tracker's heads (seconds since the epoch; 0 before the first time)").baseUnit("seconds")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /**
     * Publishes each type's snapshot threshold (every-n-events): {@code sidecar.stream.snapshot.threshold}. Types
     * without one (due by schedule, idle time or never) have no gauge. Called once, at start-up.
     */
    public void thresholds(Map<String, Integer> everyNEventsByType) {
        everyNEventsByType.forEach((type, n) -> {
            if (n > 0) {
                Gauge.builder("sidecar.stream.snapshot.threshold", () -> n)
                        .description("Events after a stream's latest snapshot that make it due (every-n-events)")
                        .baseUnit("events").tags(Tags.of("aggregate.type", type)).register(registry);
            }
        });
    }

    /** What the gauges show now, when they have been computed at all. */
    public Optional<Published> published() {
        return published;
    }

    /**
     * Publishes the distributions as gauges, as computed at {@code atMillis}; called from a background thread and
     * from the status page. One publication at a time, so that the gauges always come from one computation.
     */
    public synchronized void update(HeadStatistics statistics, long atMillis) {
        update(statistics);
        statisticsMillis.set(atMillis);
        published = Optional.of(new Published(statistics, atMillis));
    }

    /**
     * Publishes the distributions as gauges, and the estimated replay cost of each type's tails
     * ({@code sidecar.stream.replay.cost}, milliseconds: events after the snapshot times the type's estimated cost of
     * one event); called from a background thread.
     */
    public synchronized void update(HeadStatistics statistics, Map<String, ReplayCostEstimate> replayCosts) {
        update(statistics);
        Map<String, LengthDistribution> costs = new java.util.HashMap<>();
        statistics.tails().forEach((type, tails) -> {
            ReplayCostEstimate estimate = replayCosts.get(type);
            if (estimate != null) {
                long[] millis = java.util.Arrays.stream(tails.sorted())
                        .map(events -> Math.round(estimate.millisFor(events))).toArray();
                costs.put(type, new LengthDistribution(millis));
            }
        });
        publish("sidecar.stream.replay.cost", "Estimated time to replay the events after each stream's latest"
                + " snapshot, at the type's measured fold speed", "milliseconds", costs);
    }

    /** Publishes the distributions as gauges. */
    public synchronized void update(HeadStatistics statistics) {
        erasuresPending.set(statistics.erasuresPending());
        oldestErasure.set(statistics.oldestErasureSeconds());
        publish("sidecar.stream.length", "Stream length per aggregate type, from the tracker's heads", "events",
                statistics.lengths());
        publish("sidecar.stream.events.since.snapshot", "Events after each stream's latest snapshot", "events",
                statistics.tails());
        publish("sidecar.stream.snapshot.age", "Time since each stream's latest snapshot was written", "seconds",
                statistics.stalenessSeconds());
    }

    private void publish(String name, String description, String unit, Map<String, LengthDistribution> byType) {
        byType.forEach((type, d) -> {
            for (double q : QUANTILES) {
                String quantile = q == 100 ? "max" : "p" + (int) q;
                AtomicLong value = gauges.computeIfAbsent(name + "|" + type + "|" + quantile, k -> {
                    AtomicLong holder = new AtomicLong();
                    Gauge.builder(name, holder, AtomicLong::get).description(description).baseUnit(unit)
                            .tags(Tags.of("aggregate.type", type, "quantile", quantile)).register(registry);
                    return holder;
                });
                value.set(q == 100 ? d.max() : d.percentile(q));
            }
        });
    }
}

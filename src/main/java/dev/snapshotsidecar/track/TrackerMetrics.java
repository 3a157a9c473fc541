package dev.snapshotsidecar.track;

import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.ingest.IgnoredReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Map;

/**
 * The ingest and track stages' meters, registered by {@link #bindTo} once, before the topology runs. Thread-safe
 * (Micrometer counters, a concurrent set).
 */
public final class TrackerMetrics implements io.micrometer.core.instrument.binder.MeterBinder {
    private Counter appended;
    private Counter duplicates;
    private Counter deadLettered;
    private final Map<IgnoredReason, Counter> ignored = new EnumMap<>(IgnoredReason.class);
    private final Map<RequestReason, Counter> requests = new EnumMap<>(RequestReason.class);
    private final Map<Outcome, Counter> results = new EnumMap<>(Outcome.class);
    private final Map<String, Counter> erasures = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Counter> inputDeadLetters = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Counter> untyped = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Level> speedGauges = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Counter> reconciled = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<String> awaitingBootstrap = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private Counter staleResults;
    private Counter recordsFailed;
    private Counter headsCorrected;
    private MeterRegistry registry;

    /** Meters bound to {@code registry}. */
    public static TrackerMetrics bound(MeterRegistry registry) {
        TrackerMetrics metrics = new TrackerMetrics();
        metrics.bindTo(registry);
        return metrics;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        recordsFailed = Counter.builder("sidecar.track.errors")
                .description("Records the tracker's logic failed on and skipped (each logged with its coordinates)")
                .baseUnit("records").register(registry);
        staleResults = Counter.builder("sidecar.track.stale.results")
                .description("Results that answer another incarnation of their stream (an id erased and written"
                        + " again), ignored").baseUnit("results").register(registry);
        headsCorrected = Counter.builder("sidecar.track.heads.corrected")
                .description("Heads brought down to the database's last version after a build found the events"
                        + " end before them").baseUnit("streams").register(registry);
        io.micrometer.core.instrument.Gauge.builder("sidecar.track.bootstrap.waiting.tasks", awaitingBootstrap,
                        java.util.Set::size)
                .description("Tracker tasks of this instance that send no request until they have read the first"
                        + " start's announcements of existing snapshots").baseUnit("tasks").register(registry);
        for (String outcome : java.util.List.of("requested", "confirmed", "events-remain", "failed")) {
            erasure(outcome, 0);
        }
        for (String input : java.util.List.of("results", "commands")) {
            inputDeadLetter(input, 0);
        }
        appended = Counter.builder("sidecar.ingest.events").tag("outcome", "appended")
                .description("Change events of the events table, by what they meant").baseUnit("events")
                .register(registry);
        for (IgnoredReason reason : IgnoredReason.values()) {
            ignored.put(reason, Counter.builder("sidecar.ingest.events")
                    .tag("outcome", "ignored-" + reason.name().toLowerCase(java.util.Locale.ROOT))
                    .description("Change events of the events table, by what they meant").baseUnit("events")
                    .register(registry));
        }
        deadLettered = Counter.builder("sidecar.ingest.dead.letters")
                .description("Change events that could not be parsed and went to the dead-letter topic")
                .baseUnit("events").register(registry);
        duplicates = Counter.builder("sidecar.track.duplicates")
                .description("Appended events at or below the stream's head (duplicates, reordering)")
                .baseUnit("events").register(registry);
        for (RequestReason reason : RequestReason.values()) {
            requests.put(reason, Counter.builder("sidecar.track.requests").tag("reason", reason.name())
                    .description("Snapshot requests sent, by reason").baseUnit("requests").register(registry));
        }
        for (Outcome outcome : Outcome.values()) {
            results.put(outcome, Counter.builder("sidecar.track.results").tag("outcome", outcome.name())
                    .description("Snapshot results received, by outcome").baseUnit("results").register(registry));
        }
    }

    void appended() {
        appended.increment();
    }

    void ignored(IgnoredReason reason) {
        ignored.get(reason).increment();
    }

    void deadLettered() {
        deadLettered.increment();
    }

    void duplicate() {
        duplicates.increment();
    }

    void requested(RequestReason reason) {
        requests.get(reason).increment();
    }

    void result(Outcome outcome) {
        results.get(outcome).increment();
    }

    /** Whether the task waits for the first start's announcements; called from its stream thread. */
    void awaitingBootstrap(String task, boolean waiting) {
        if (waiting) {
            awaitingBootstrap.add(task);
        } else {
            awaitingBootstrap.remove(task);
        }
    }

    /** Tracker tasks of this instance still waiting for the first start's announcements. */
    public int tasksAwaitingBootstrap() {
        return awaitingBootstrap.size();
    }

    void recordFailed() {
        recordsFailed.increment();
    }

    void staleResult() {
        staleResults.increment();
    }

    void headCorrected() {
        headsCorrected.increment();
    }

    /**
     * A change event without an event type, of an aggregate type that snapshots after some event types: the
     * connector does not send the event type column.
     */
    void untypedEvent(String aggregateType) {
        untyped.computeIfAbsent(aggregateType, t -> Counter.builder("sidecar.track.untyped.events")
                .tag("aggregate.type", t)
                .description("Change events without an event type, of aggregate types that snapshot after some event"
                        + " types (snapshot-after-events cannot see them)").baseUnit("events").register(registry))
                .increment();
    }

    /**
     * The tracker's estimate of an aggregate type's fold speed, after a worker's report (or the prior at start):
     * what the replay-cost rule multiplies a tail by. Called from stream threads; every task holds about the same.
     */
    void foldSpeed(String aggregateType, double microsPerEvent, double bytesPerEvent, long measuredEvents) {
        speedGauge(aggregateType, "sidecar.track.replay.cost.per.event", "microseconds",
                "Estimated cost of replaying one event of the type (reading, deserialising, applying), from the"
                        + " worker's builds; the configured prior before any").set(microsPerEvent);
        speedGauge(aggregateType, "sidecar.track.replay.bytes.per.event", "bytes",
                "Mean size of the type's events the worker folded (payload and metadata)").set(bytesPerEvent);
        speedGauge(aggregateType, "sidecar.track.replay.measured.events", "events",
                "Events the type's estimated replay cost rests on (older builds weigh less)").set(measuredEvents);
    }

    private Level speedGauge(String aggregateType, String name, String unit, String description) {
        return speedGauges.computeIfAbsent(name + "|" + aggregateType, key -> {
            Level level = new Level();
            io.micrometer.core.instrument.Gauge.builder(name, level, Level::get).tag("aggregate.type", aggregateType)
                    .description(description).baseUnit(unit).register(registry);
            return level;
        });
    }

    /** A gauge's value, set from the stream threads and read by a scrape. */
    private static final class Level {
        private volatile double value;

        void set(double next) {
            value = next;
        }

        double get() {
            return value;
        }
    }

    /** A head a reconcile pass raised to the database's last version, or started for a stream never seen. */
    void reconciled(String aggregateType, String correction) {
        reconciled.computeIfAbsent(aggregateType + "|" + correction, k -> Counter.builder("sidecar.track.reconciled")
                .tag("aggregate.type", aggregateType).tag("correction", correction)
                .description("Heads a reconcile pass raised to the database's last version, or started for streams"
                        + " change data capture never delivered").baseUnit("streams").register(registry))
                .increment();
    }

    /** An erasure requested, confirmed, found not to be one (events remain), or failed. */
    void erasure(String outcome) {
        erasure(outcome, 1);
    }

    private void erasure(String outcome, double amount) {
        erasures.computeIfAbsent(outcome, o -> Counter.builder("sidecar.track.erasures").tag("outcome", o)
                .description("Erasures of streams whose events were deleted, by what became of them")
                .baseUnit("streams").register(registry)).increment(amount);
    }

    /** A record of the sidecar's own results or commands topic that could not be read, sent to dead letters. */
    void inputDeadLettered(String input) {
        inputDeadLetter(input, 1);
    }

    private void inputDeadLetter(String input, double amount) {
        inputDeadLetters.computeIfAbsent(input, i -> Counter.builder("sidecar.track.dead.letters").tag("input", i)
                .description("Records of the sidecar's results and commands topics that could not be read and went"
                        + " to the dead-letter topic").baseUnit("records").register(registry)).increment(amount);
    }
}

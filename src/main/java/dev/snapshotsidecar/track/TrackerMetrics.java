package dev.snapshotsidecar.track;

import dev.snapshotsidecar.ingest.IgnoredReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Map;

/** The ingest and track stages' meters. Thread-safe (Micrometer counters). */
public final class TrackerMetrics {
    private final Counter appended;
    private final Counter duplicates;
    private final Counter deadLettered;
    private final Map<IgnoredReason, Counter> ignored = new EnumMap<>(IgnoredReason.class);
    private final Map<RequestReason, Counter> requests = new EnumMap<>(RequestReason.class);
    private final Map<Outcome, Counter> results = new EnumMap<>(Outcome.class);

    public TrackerMetrics(MeterRegistry registry) {
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
}
